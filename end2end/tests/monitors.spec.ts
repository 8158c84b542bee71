import { expect } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { addUser, hydrated, signIn, signInOwner, test } from './helpers';

/** The app the monitor watches: a health endpoint whose Redis the test disconnects. */
function startTarget() {
  const state = { redis: 'connected' };
  const server = http.createServer((req, res) => {
    const degraded = state.redis !== 'connected';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      status: degraded ? 'degraded' : 'ok',
      services: { database: { status: 'connected', responseTime: '3ms' }, redis: { status: state.redis } },
      warnings: [],
    }));
  });
  return new Promise<{ url: string; state: typeof state; close: () => void }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/health`, state, close: () => server.close() });
    });
  });
}

const viewer = { email: 'monitor-viewer@example.com', password: 'a viewer reads monitors' };

test('the owner adds a health monitor after checking it; it degrades naming redis; a viewer reads without controls', async ({ page, browser }) => {
  const target = await startTarget();
  await signInOwner(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitors' }).click();
  await expect(page).toHaveURL('/monitors');
  await page.getByRole('link', { name: 'Add a monitor' }).click();
  await expect(page).toHaveURL('/monitors/new');
  await hydrated(page);

  await page.getByLabel('Name').fill('Shop health');
  await page.getByLabel('Target').fill(target.url);
  await page.getByLabel('Interval').fill('10s');
  await page.getByLabel('Failures before down').fill('1');
  await page.getByLabel('Successes before up').fill('1');
  // A mistake is refused at its field with the column, and nothing is saved.
  await page.getByLabel('Conditions').fill('[STATUS] = 200');
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.getByText('Condition 1 ("[STATUS] = 200") at column 1: no comparison')).toBeVisible();
  await page.getByLabel('Conditions').fill('[STATUS] == 200\n[BODY].services.database.status == connected');
  await page.getByRole('button', { name: 'Check now' }).click();
  const preview = page.getByRole('region', { name: /Check now/ });
  await expect(preview.getByRole('heading')).toHaveText('Check now: Up');
  await expect(preview.getByText('[STATUS] (200) == 200')).toBeVisible();
  await expect(preview.getByText('redis connected')).toBeVisible();

  await page.getByRole('button', { name: 'Add monitor' }).click();
  await expect(page).toHaveURL(/\/monitors\/\d+$/);
  await expect(page.getByRole('heading', { name: 'Shop health' })).toBeVisible();
  const monitorUrl = page.url();

  // The scheduler checks it (every 10 s); Redis goes away and the monitor degrades, naming it.
  await expect(async () => {
    await page.reload();
    await expect(page.locator('.page-header .state')).toHaveText('Up');
  }).toPass({ timeout: 30_000 });
  target.state.redis = 'disconnected';
  await expect(async () => {
    await page.reload();
    await expect(page.locator('.page-header .state')).toHaveText('Degraded');
  }).toPass({ timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'State changes' }).getByText('health: degraded — redis disconnected')).toBeVisible();
  target.state.redis = 'connected';
  await expect(async () => {
    await page.reload();
    await expect(page.locator('.page-header .state')).toHaveText('Up');
  }).toPass({ timeout: 30_000 });

  // A viewer sees the monitor and its history, and no control.
  await addUser(page, viewer, 'viewer');
  const viewerContext = await browser.newContext();
  const reader = await viewerContext.newPage();
  await signIn(reader, viewer);
  await reader.goto('/monitors');
  await expect(reader.getByRole('link', { name: 'Shop health' })).toBeVisible();
  await expect(reader.getByRole('link', { name: 'Add a monitor' })).toHaveCount(0);
  await reader.goto(monitorUrl);
  await hydrated(reader);
  await expect(reader.getByRole('heading', { name: 'Shop health' })).toBeVisible();
  await expect(reader.getByText('health: degraded — redis disconnected')).toBeVisible();
  await expect(reader.getByRole('button', { name: 'Pause' })).toHaveCount(0);
  await expect(reader.getByRole('heading', { name: 'Edit' })).toHaveCount(0);
  await viewerContext.close();
  target.close();
});
