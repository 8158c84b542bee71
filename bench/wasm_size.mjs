// Loads Pitwall's pages in Chromium and reports the wasm and JS each one makes the browser fetch,
// with each file's size as served precompressed (brotli), against the targets.
import { chromium } from '@playwright/test';
import { statSync } from 'node:fs';

const base = process.env.BASE;
const pkg = 'target/site/pkg/';
const size = (name, suffix) => {
  try { return statSync(pkg + name + suffix).size; } catch { return 0; }
};

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'],
});
const page = await browser.newPage();
let fetched = [];
page.on('request', (request) => {
  const url = new URL(request.url());
  if (url.pathname.startsWith('/pkg/') && /\.(wasm|js)$/.test(url.pathname)) fetched.push(url.pathname.slice(5));
});
const hydrated = () => page.locator('html[data-hydrated]').waitFor({ state: 'attached', timeout: 30_000 });

function report(what, target) {
  const files = [...new Set(fetched)];
  const br = files.reduce((sum, f) => sum + size(f, '.br'), 0);
  const raw = files.reduce((sum, f) => sum + size(f, ''), 0);
  const verdict = target ? (br <= target * 1000 ? `target ≤ ${target} KB: met` : `target ≤ ${target} KB: MISSED`) : '';
  console.log(`${what.padEnd(44)} ${String(files.length).padStart(3)} files ${String(raw).padStart(9)} B raw ${String(br).padStart(8)} B br  ${verdict}`);
  for (const f of files) console.log(`    ${f.padEnd(56)} ${String(size(f, '')).padStart(9)} ${String(size(f, '.br')).padStart(8)}`);
  fetched = [];
}

await page.goto(base + '/signin');
await hydrated();
report('/signin (fresh browser)', 250);

await page.getByLabel('Email').fill('owner@example.com');
await page.getByLabel('Password').fill('correct horse battery staple');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(base + '/');
fetched = [];
await page.reload();
await hydrated();
report('/ dashboard (fresh load)', 350);

for (const [label, path] of [['Incidents', '/incidents'], ['Flags', '/flags'], ['Maintenance', '/maintenance'], ['Users', '/users'], ['Audit log', '/audit']]) {
  await page.goto(base + '/');
  await hydrated();
  fetched = [];
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  await page.waitForURL(base + path);
  await page.waitForLoadState('networkidle');
  report(`then ${path} (client-side, from the dashboard)`);
}
await browser.close();
