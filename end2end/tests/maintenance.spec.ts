import { expect } from '@playwright/test';
import { signInOwner, test } from './helpers';

const gate = `http://127.0.0.1:${process.env.PITWALL_E2E_GATE_PORT ?? '4000'}`;

test('the owner starts maintenance; a visitor through the gate waits, bypasses, and gets the site back', async ({ page, browser }) => {
  await signInOwner(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Maintenance' }).click();
  await expect(page).toHaveURL('/maintenance');
  await expect(page.getByRole('heading', { name: 'Maintenance is off' })).toBeVisible();

  await page.getByLabel('Reason (shown to visitors and the team)').fill('Database upgrade');
  await page.getByLabel('Message for visitors').first().fill('Back in a few minutes, thanks for waiting.');
  await page.getByLabel('Expected duration').fill('30m');
  await page.getByRole('button', { name: 'Start maintenance' }).click();
  await expect(page.getByRole('heading', { name: 'Maintenance is on' })).toBeVisible();
  // The banner shows on every console page.
  await expect(page.getByRole('status').filter({ hasText: 'Maintenance is on' })).toBeVisible();

  // A visitor, in a browser of their own, goes through the gate.
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const closed = await visitor.goto(`${gate}/`);
  expect(closed?.status()).toBe(503);
  await expect(visitor.getByText('Back in a few minutes, thanks for waiting.')).toBeVisible();
  await expect(visitor.getByText('Database upgrade')).toBeVisible();
  const elapsed = visitor.locator('#elapsed');
  const first = await elapsed.textContent();
  await expect(elapsed).not.toHaveText(first ?? '', { timeout: 3_000 });

  // The bypass link lets its holder in, and the key leaves the address bar.
  const link = await page.getByRole('textbox', { name: 'Link', exact: true }).inputValue();
  const key = new URL(link, gate).searchParams.get('bypass');
  expect(key).toMatch(/^[0-9a-f]{64}$/);
  const through = await visitor.goto(`${gate}/?bypass=${key}`);
  expect(through?.status()).toBe(200);
  expect(visitor.url()).not.toContain('bypass');
  await expect(visitor.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  // The owner ends maintenance; a fresh visitor with no cookie reaches the site again.
  await page.getByRole('button', { name: 'End maintenance now' }).click();
  await expect(page.getByRole('heading', { name: 'Maintenance is off' })).toBeVisible();
  const laterContext = await browser.newContext();
  const later = await laterContext.newPage();
  await expect(async () => {
    const open = await later.goto(`${gate}/signin`);
    expect(open?.status()).toBe(200);
  }).toPass({ timeout: 5_000 });
  await expect(later.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await visitorContext.close();
  await laterContext.close();
});
