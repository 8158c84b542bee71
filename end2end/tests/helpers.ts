import { test as base, expect, type Page } from '@playwright/test';

/**
 * Playwright's `test`, failing any journey whose page throws an uncaught error: a thrown
 * exception inside the wasm leaves it half-broken (a CSP-refused eval once did), and the
 * journey might still pass by luck.
 */
export const test = base.extend<{ pageErrors: void }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
      await use();
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
});

export const owner = { email: 'owner@example.com', password: 'correct horse battery staple' };
/** The code end2end/serve.sh gives the instance (PITWALL_SETUP_CODE). */
export const setupCode = 'e2e-setup-code-2026';

/** Hydration is done once the page's wasm has attached its handlers. */
export async function hydrated(page: Page) {
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

/** Signs the owner in, setting Pitwall up first when the file runs on its own. */
export async function signInOwner(page: Page) {
  await page.goto('/');
  await hydrated(page);
  if (page.url().endsWith('/setup')) {
    await page.getByLabel('Set-up code').fill(setupCode);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByLabel('Repeat the password').fill(owner.password);
    await page.getByRole('button', { name: 'Create owner and sign in' }).click();
  } else if (page.url().includes('/signin')) {
    await signIn(page, owner);
    return;
  }
  await expect(page).toHaveURL('/');
}

export async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto('/signin');
  await hydrated(page);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL('/');
}

/** The owner adds a user through the same server fn the Users page calls (again is fine). */
export async function addUser(page: Page, who: { email: string; password: string }, role: string) {
  const res = await page.request.post('/api/users/add', {
    form: { email: who.email, role, password: who.password },
    headers: { Origin: new URL(page.url()).origin },
  });
  if (res.status() === 200) return;
  // Added by an earlier file of the same run: refused at the email field, and only for that.
  expect(res.status()).toBe(422);
  const body = await res.json();
  expect(body).toMatchObject({ kind: 'validation', field: 'email' });
  expect(body.message).toContain('already exists');
}
