import { expect, type APIRequestContext } from '@playwright/test';
import { addUser, hydrated, signIn, signInOwner, test } from './helpers';

const pm = { email: 'priya.pm@example.com', password: 'pm passphrase 42 long' };
const support = { email: 'sue.support@example.com', password: 'support passphrase 42' };
const sampleUsers = Array.from({ length: 1000 }, (_, i) => `sample-${i}`);

/** Which of the sample users the flag is on for, asked over OFREP as an app would. */
async function usersOn(request: APIRequestContext, token: string, key: string): Promise<Set<string>> {
  const on = new Set<string>();
  for (let i = 0; i < sampleUsers.length; i += 50) {
    const batch = sampleUsers.slice(i, i + 50);
    const answers = await Promise.all(
      batch.map(async (id) => {
        const res = await request.post(`/ofrep/v1/evaluate/flags/${key}`, {
          headers: { Authorization: `Bearer ${token}` },
          data: { context: { targetingKey: id } },
        });
        expect(res.status()).toBe(200);
        return (await res.json()).value === true;
      }),
    );
    batch.forEach((id, j) => answers[j] && on.add(id));
  }
  return on;
}

test('the PM rolls a flag out from 10 % to 50 % and apps follow; support sees it but cannot change it', async ({ page, browser, request }) => {
  await signInOwner(page);
  await addUser(page, pm, 'pm');
  await addUser(page, support, 'support');

  const pmContext = await browser.newContext();
  const p = await pmContext.newPage();
  await signIn(p, pm);
  await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flags' }).click();
  await expect(p).toHaveURL('/flags');
  await hydrated(p);
  await p.getByLabel('Key').fill('new-checkout');
  await p.getByRole('button', { name: 'Create flag' }).click();
  await p.getByRole('link', { name: 'new-checkout', exact: true }).click();
  await expect(p).toHaveURL('/flags/new-checkout');
  await hydrated(p);

  const production = p.getByRole('form', { name: 'Rollout in production' });
  await production.getByLabel('Rollout percentage').fill('10');
  await expect(production.locator('output')).toHaveText('10 %');
  await production.getByRole('button', { name: 'Save rollout' }).click();
  await expect(p.getByRole('cell', { name: 'production: rollout 100 % → 10 %' })).toBeVisible();
  await p.getByRole('button', { name: 'Enable in production' }).click();
  await expect(p.getByRole('button', { name: 'Disable in production' })).toBeVisible();

  // The app's token: a PM may issue flags:read tokens.
  const created = await p.request.post('/api/tokens/create', {
    data: { name: 'checkout service', scopes: ['flags:read'], environment: 'production' },
    headers: { Origin: new URL(p.url()).origin },
  });
  expect(created.status()).toBe(200);
  const token = (await created.json()).secret as string;

  let atTen = new Set<string>();
  await expect
    .poll(async () => (atTen = await usersOn(request, token, 'new-checkout')).size, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(70);
  expect(atTen.size).toBeLessThanOrEqual(130);

  await production.getByLabel('Rollout percentage').fill('50');
  await expect(production.locator('output')).toHaveText('50 %');
  await production.getByRole('button', { name: 'Save rollout' }).click();
  await expect(p.getByRole('cell', { name: 'production: rollout 10 % → 50 %' })).toBeVisible();
  let atFifty = new Set<string>();
  await expect
    .poll(async () => (atFifty = await usersOn(request, token, 'new-checkout')).size, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(450);
  expect(atFifty.size).toBeLessThanOrEqual(550);
  // Sticky: everyone who had it at 10 % still has it at 50 %.
  expect([...atTen].filter((id) => !atFifty.has(id))).toEqual([]);

  // Support reads the flag but gets no controls, and the server refuses a direct edit.
  const supportContext = await browser.newContext();
  const s = await supportContext.newPage();
  await signIn(s, support);
  await s.goto('/flags/new-checkout');
  await hydrated(s);
  await expect(s.getByRole('heading', { name: 'new-checkout' })).toBeVisible();
  await expect(s.getByRole('form', { name: 'Rollout in production' }).getByLabel('Rollout percentage')).toBeDisabled();
  await expect(s.getByRole('button', { name: 'Save rollout' })).toHaveCount(0);
  await expect(s.getByRole('button', { name: /in production$/ })).toHaveCount(0);
  const refused = await s.request.post('/api/flags/toggle', {
    form: { key: 'new-checkout', environment: 'production', enabled: 'false', version: '4' },
    headers: { Origin: new URL(s.url()).origin },
  });
  expect(refused.status()).toBe(403);
  await pmContext.close();
  await supportContext.close();
});
