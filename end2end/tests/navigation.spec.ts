import { expect } from '@playwright/test';
import { hydrated, signInOwner, test } from './helpers';

// Every console page is a lazy route: its code arrives when the page is first opened. From the
// dashboard, each domain's page must load its chunk, render, and work, all without a full load.
test('from the dashboard, every domain opens by client-side navigation and works', async ({ page }) => {
  await signInOwner(page);
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  // A full page load would drop this marker: it proves the router navigated in place.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

  const chunks: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/pkg/') && path.endsWith('.wasm')) chunks.push(path);
  });

  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [link, path, heading] of [
    ['Incidents', '/incidents', 'Incidents'],
    ['Flags', '/flags', 'Feature flags'],
    ['Maintenance', '/maintenance', 'Maintenance'],
    ['Users', '/users', 'Users'],
    ['API tokens', '/settings/tokens', 'API tokens'],
    ['Audit log', '/audit', 'Audit log'],
    ['Dashboard', '/', 'Dashboard'],
  ]) {
    await nav.getByRole('link', { name: link, exact: true }).click();
    await expect(page).toHaveURL(path);
    await expect(page.getByRole('heading', { level: 1, name: heading, exact: true })).toBeVisible();
  }
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  // The domains' pages came as chunks of their own, fetched on the way.
  expect(chunks.length).toBeGreaterThanOrEqual(6);

  // A lazily loaded page is interactive: the flags page's filter narrows the list.
  await nav.getByRole('link', { name: 'Flags', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Feature flags' })).toBeVisible();
  await page.getByLabel('Search').fill('no-such-flag-anywhere');
  await expect(page.getByText('No flags match')).toBeVisible();
});
