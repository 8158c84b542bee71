import { expect } from '@playwright/test';
import { hydrated, owner, setupCode, signIn, test } from './helpers';

const pm = { email: 'pat.pm@example.com', password: 'another long passphrase' };

test.describe.configure({ mode: 'serial' });

test('first run: set up the owner, sign in, navigate, sign out', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL('/setup');
  await hydrated(page);

  // Without the code Pitwall printed at start, nobody can claim the instance.
  await page.getByLabel('Set-up code').fill('not-the-code');
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password', { exact: true }).fill(owner.password);
  await page.getByLabel('Repeat the password').fill(owner.password);
  await page.getByRole('button', { name: 'Create owner and sign in' }).click();
  await expect(page.getByText('That set-up code is not right.', { exact: false })).toBeVisible();
  await expect(page).toHaveURL('/setup');

  // A weak password is refused at its field, without leaving the page.
  await page.getByLabel('Set-up code').fill(setupCode);
  await page.getByLabel('Password', { exact: true }).fill('too short');
  await page.getByLabel('Repeat the password').fill('too short');
  await page.getByRole('button', { name: 'Create owner and sign in' }).click();
  await expect(page.getByText('Use at least 12 characters (9 given).')).toBeVisible();

  await page.getByLabel('Password', { exact: true }).fill(owner.password);
  await page.getByLabel('Repeat the password').fill(owner.password);
  await page.getByRole('button', { name: 'Create owner and sign in' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('link', { name: owner.email })).toBeVisible();
  await expect(page.getByText('answering')).toBeVisible();

  // Users: add a product manager.
  await hydrated(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL('/users');
  await page.getByLabel('Email').fill(pm.email);
  await page.getByLabel('Role', { exact: true }).selectOption('pm');
  await page.getByLabel('First password').fill(pm.password);
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByText(`Added ${pm.email} as Product manager.`)).toBeVisible();
  await expect(page.getByRole('cell', { name: pm.email, exact: true })).toBeVisible();

  // API tokens: the secret is shown once.
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page).toHaveURL('/settings/tokens');
  await page.getByLabel('Name').fill('deploy script');
  await page.getByLabel(/maintenance:write/).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByLabel('New token')).toHaveValue(/^pw_[0-9a-f]{64}$/);
  await expect(page.getByRole('cell', { name: 'deploy script', exact: true })).toBeVisible();

  // Audit log: both changes are there, attributed to the owner.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL('/audit');
  await expect(page.getByRole('cell', { name: 'user.create' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'token.create' })).toBeVisible();
  await expect(page.getByRole('cell', { name: `user:${owner.email}` }).first()).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL('/signin');
  await page.goto('/users');
  await expect(page).toHaveURL(/\/signin\?next=/);
});

test('a wrong password is refused at the field', async ({ page }) => {
  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill('not the right password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('The email or password is wrong.')).toBeVisible();
  await expect(page).toHaveURL('/signin');
});

test('a pm cannot reach /users: no nav entry, direct URL refused', async ({ page }) => {
  await signIn(page, pm);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Audit log' })).toHaveCount(0);

  const response = await page.goto('/users');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Not for your role' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add user' })).toHaveCount(0);
});

test('built assets have hashed names, long-lived caching and compression', async ({ page, request }) => {
  await page.goto('/signin');
  const scripts = await page.locator('link[rel="modulepreload"], link[rel="preload"], link[rel="stylesheet"]').evaluateAll(
    (links) => links.map((l) => (l as HTMLLinkElement).getAttribute('href')).filter((h): h is string => !!h && h.startsWith('/pkg/')),
  );
  expect(scripts.length).toBeGreaterThanOrEqual(2);
  for (const href of scripts) {
    // The main bundle, and the chunks of the page (split by route): every name carries its hash.
    expect(href).toMatch(/\/pkg\/(pitwall|chunk_\d+|split_\w+|__wasm_split)\.[A-Za-z0-9_-]+\.(js|wasm|css)$/);
    const res = await request.get(href, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.status()).toBe(200);
    expect(res.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(['br', 'gzip']).toContain(res.headers()['content-encoding']);
  }
  const html = await request.get('/signin');
  expect(html.headers()['cache-control']).toBe('no-store');
});
