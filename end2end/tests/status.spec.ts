import { expect } from '@playwright/test';
import { addUser, hydrated, signIn, signInOwner, test } from './helpers';

const support = { email: 'sam.support@example.com', password: 'support passphrase 42' };

test('the owner sets up the status page; support declares an incident on "API" and posts a public update from a template; the public sees it without JavaScript', async ({
  page,
  browser,
}) => {
  await signInOwner(page);
  await addUser(page, support, 'support');

  // The owner adds a group and a component in it, by keyboard-usable forms.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Status page' }).click();
  await expect(page).toHaveURL('/status/settings');
  await hydrated(page);
  const form = page.getByRole('form', { name: 'New component' });
  await form.getByLabel('Name').fill('Platform');
  await form.getByLabel('This is a group').check();
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(page.locator('tr[data-component="Platform"]')).toBeVisible();
  await form.getByLabel('Name').fill('API');
  await form.getByLabel('Group', { exact: true }).fill('Platform');
  await form.getByLabel('Description').fill('The public REST API');
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(page.locator('tr[data-component="API"]')).toContainText('Operational');
  // Bad input is refused at its field and nothing is added.
  await form.getByLabel('Name').fill('Billing');
  await form.getByLabel('Monitors').fill('no such monitor');
  await form.getByRole('button', { name: 'Add' }).click();
  await expect(form.locator('#field-component-new-monitors-msg')).toHaveText('There is no monitor named "no such monitor".');
  await expect(page.locator('tr[data-component="Billing"]')).toHaveCount(0);

  // Support declares an incident affecting API and posts a public update.
  const supportContext = await browser.newContext();
  const s = await supportContext.newPage();
  await signIn(s, support);
  await s.goto('/incidents');
  await hydrated(s);
  await s.getByLabel('Title').fill('Elevated API error rates');
  await s.getByLabel('Severity', { exact: true }).selectOption('2');
  await s.getByLabel('Affected components').fill('API');
  await s.getByRole('button', { name: 'Declare' }).click();
  await expect(s).toHaveURL(/\/incidents\/\d+$/);
  await hydrated(s);
  // The public update starts from a communication template, filled with the incident's facts.
  await s.getByLabel('Start from a template').selectOption({ label: 'Investigating (Investigating)' });
  const update = s.getByLabel('Note or update');
  await expect(update).toHaveValue(/^We are investigating reports of problems with API\./);
  await expect(s.getByLabel('Public update (the status page)')).toBeChecked();
  await update.fill(`${await update.inputValue()} Error rates are elevated on the API.`);
  await s.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(s.locator('.timeline [data-kind="update"]')).toContainText('Error rates are elevated on the API.');
  await s.getByLabel('Note or update').fill('Internal: the db primary is at 100% CPU.');
  await s.getByLabel('Internal note (the team)').check();
  await s.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(s.locator('.timeline [data-kind="note"]').last()).toContainText('Internal: the db primary');

  // A signed-out reader with JavaScript off: the whole page is there, and nothing internal.
  const publicContext = await browser.newContext({ javaScriptEnabled: false });
  const p = await publicContext.newPage();
  await p.goto('/status');
  await expect(p.getByRole('heading', { level: 1 })).toHaveText('Partial System Outage');
  const api = p.locator('.row[data-component]').filter({ hasText: 'API' });
  await expect(api.locator('.state')).toHaveText('Partial outage');
  await expect(api.locator('.state')).toHaveCSS('color', 'rgb(234, 88, 12)');
  const incident = p.locator('section.incidents article');
  await expect(incident.getByRole('heading', { name: 'Elevated API error rates' })).toBeVisible();
  await expect(incident).toContainText('We are investigating reports of problems with API.');
  await expect(incident).toContainText('Error rates are elevated on the API.');
  await expect(p.locator('body')).not.toContainText('100% CPU');
  await expect(p.locator('body')).not.toContainText(support.email);
  expect(await p.locator('script').count()).toBe(0);
  // Each day of the bars is reachable by keyboard and says what it was.
  const today = p.getByRole('list', { name: 'API: the last 90 days' }).locator('li.day').last();
  await today.focus();
  await expect(today).toBeFocused();
  await expect(today).toHaveAttribute('aria-label', /uptime|No data/);
  await incident.getByRole('link', { name: 'Elevated API error rates' }).click();
  await expect(p).toHaveURL(/\/status\/incidents\/\d+$/);
  await expect(p.locator('body')).toContainText('Error rates are elevated on the API.');

  // The owner's dashboard shows the page's indicator.
  await page.goto('/');
  await hydrated(page);
  await expect(page.locator('[data-indicator]')).toHaveText('Partial System Outage');

  // Resolved: the page is green again.
  await s.getByLabel('Status', { exact: true }).selectOption('resolved');
  await s.getByRole('button', { name: 'Set status' }).click();
  await expect(s.locator('.incident-header .status-badge')).toHaveText('Resolved');
  await expect(async () => {
    await p.goto('/status');
    await expect(p.getByRole('heading', { level: 1 })).toHaveText('All Systems Operational', { timeout: 1_000 });
  }).toPass();
  await supportContext.close();
  await publicContext.close();
});
