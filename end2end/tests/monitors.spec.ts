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

/** A stand-in for Slack's incoming webhook: it keeps every message posted to it. */
function startSlack() {
  const messages: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      messages.push(JSON.parse(body).text);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  return new Promise<{ url: string; messages: string[]; close: () => void }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/services/T/B/x`, messages, close: () => server.close() });
    });
  });
}

const viewer = { email: 'monitor-viewer@example.com', password: 'a viewer reads monitors' };

test('the owner adds a health monitor after checking it; it degrades naming redis; a viewer reads without controls', async ({ page, browser }) => {
  const target = await startTarget();
  const slack = await startSlack();
  await signInOwner(page);

  // Alerts go to Slack: the owner adds the channel and sends it a test alert.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
  await expect(page).toHaveURL('/settings/alerts');
  await hydrated(page);
  await page.getByLabel('Name', { exact: true }).fill('#ops');
  await page.getByLabel('Kind').selectOption('slack');
  await page.getByLabel('Send to').fill(slack.url);
  await page.getByRole('button', { name: 'Add channel' }).click();
  await page.getByRole('button', { name: 'Send a test alert to #ops' }).click();
  await expect.poll(() => slack.messages.length, { timeout: 15_000 }).toBe(1);
  expect(slack.messages[0]).toContain('Test alert');
  await page.reload();
  await expect(page.getByRole('region', { name: 'Delivery log' }).getByText('200 OK')).toBeVisible();

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

  // Its alerts go to #ops alone, with a reminder every 30 minutes while it stays down.
  await page.getByLabel(/^Only these channels/).check();
  await page.getByRole('checkbox', { name: '#ops' }).check();
  await page.getByLabel('Remind while down').fill('30m');
  await page.getByRole('button', { name: 'Add monitor' }).click();
  await expect(page).toHaveURL(/\/monitors\/\d+$/);
  await expect(page.getByRole('heading', { name: 'Shop health' })).toBeVisible();
  await expect(page.getByText('only to #ops; reminded every 30 min while down')).toBeVisible();
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
  await expect.poll(() => slack.messages.length, { timeout: 15_000 }).toBe(2);
  expect(slack.messages[1]).toContain('[Pitwall] DEGRADED: Shop health');
  expect(slack.messages[1]).toContain('redis disconnected');
  target.state.redis = 'connected';
  await expect(async () => {
    await page.reload();
    await expect(page.locator('.page-header .state')).toHaveText('Up');
  }).toPass({ timeout: 30_000 });
  await expect.poll(() => slack.messages.length, { timeout: 15_000 }).toBe(3);
  expect(slack.messages[2]).toContain('[Pitwall] RECOVERED: Shop health is up');

  // The charts are on the page: SVGs the browser draws, for every range.
  const chart = page.getByRole('img', { name: /Response time \(p50 and p95\) over 24h/ });
  await expect(chart).toBeVisible();
  await expect.poll(() => chart.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  await page.getByRole('group', { name: 'Chart range' }).getByRole('button', { name: '7 d' }).click();
  const week = page.getByRole('img', { name: /over 7d/ }).first();
  await expect(week).toHaveAttribute('src', /range=7d/);
  await expect.poll(() => week.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);

  // A viewer sees the monitor and its history, and no control.
  await addUser(page, viewer, 'viewer');
  const viewerContext = await browser.newContext();
  const reader = await viewerContext.newPage();
  await signIn(reader, viewer);
  await reader.goto('/monitors');
  await hydrated(reader);
  const table = reader.getByRole('table');
  await expect(table.getByRole('link', { name: 'Shop health' })).toBeVisible();
  await expect(table.getByRole('link', { name: 'Pitwall', exact: true })).toBeVisible();
  await expect(reader.getByRole('link', { name: 'Add a monitor' })).toHaveCount(0);
  // The list filters as the reader types or picks a state.
  await reader.getByLabel('Name').fill('shop');
  await expect(table.getByRole('link', { name: 'Pitwall', exact: true })).toHaveCount(0);
  await expect(table.getByRole('link', { name: 'Shop health' })).toBeVisible();
  await reader.getByLabel('Name').fill('');
  await reader.getByLabel('State').selectOption('down');
  await expect(table.getByRole('link', { name: 'Shop health' })).toHaveCount(0);
  await reader.getByLabel('State').selectOption('');
  await expect(table.getByRole('img', { name: /Median response over the last 24 hours/ }).first()).toBeVisible();
  await reader.goto(monitorUrl);
  await hydrated(reader);
  await expect(reader.getByRole('heading', { name: 'Shop health' })).toBeVisible();
  await expect(reader.getByRole('region', { name: 'State changes' }).getByText('health: degraded — redis disconnected')).toBeVisible();
  await expect(reader.getByRole('button', { name: 'Pause' })).toHaveCount(0);
  await expect(reader.getByRole('heading', { name: 'Edit' })).toHaveCount(0);
  await viewerContext.close();

  // The owner removes the monitor before the targets go away, so no alert is left retrying.
  await page.goto(monitorUrl);
  await hydrated(page);
  await page.getByRole('button', { name: 'Remove monitor' }).click();
  await expect(page).toHaveURL('/monitors');
  await expect(page.getByRole('link', { name: 'Shop health' })).toHaveCount(0);
  target.close();
  slack.close();
});
