import { expect } from '@playwright/test';
import { addUser, hydrated, signIn, signInOwner, test } from './helpers';

const support = { email: 'sam.support@example.com', password: 'support passphrase 42' };
const viewer = { email: 'vic.viewer@example.com', password: 'viewer passphrase 42' };

test('support works a Sev1 from declaration to a published post-mortem; a viewer only reads', async ({ page, browser }) => {
  await signInOwner(page);
  await addUser(page, support, 'support');
  await addUser(page, viewer, 'viewer');

  const supportContext = await browser.newContext();
  const s = await supportContext.newPage();
  await signIn(s, support);
  await s.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
  await expect(s).toHaveURL('/incidents');
  await hydrated(s);
  await s.getByLabel('Title').fill('Checkout returns 500 for everyone');
  await s.getByLabel('Severity', { exact: true }).selectOption('1');
  await s.getByLabel('Affected components').fill('checkout, api');
  await s.getByRole('button', { name: 'Declare' }).click();
  await expect(s).toHaveURL(/\/incidents\/\d+$/);
  const incidentUrl = s.url();
  await expect(s.getByRole('heading', { name: 'Checkout returns 500 for everyone' })).toBeVisible();

  // The response clock ticks down in the browser: 15 minutes for a Sev1.
  const response = s.locator('[data-clock="response"]');
  await expect(response).toHaveAttribute('data-state', 'on_track');
  const time = response.locator('.clock-time');
  await expect(time).toHaveText(/^1[45]:\d\d left$/);
  const before = await time.textContent();
  await expect(time).not.toHaveText(before ?? '', { timeout: 3_000 });

  await s.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(response).toHaveAttribute('data-state', 'met');
  await expect(time).toHaveText(/^met with 1[45]:\d\d to spare$/);

  await s.getByLabel('Note or update').fill('We have found the cause and are rolling back.');
  await s.getByLabel('Public update (the status page)').check();
  await s.getByRole('button', { name: 'Post', exact: true }).click();
  const update = s.locator('.timeline [data-kind="update"]');
  await expect(update).toContainText('We have found the cause and are rolling back.');
  await expect(update.locator('.public-badge')).toBeVisible();
  await expect(s.getByLabel('Note or update')).toHaveValue('');

  await s.getByLabel('Status', { exact: true }).selectOption('resolved');
  await s.getByRole('button', { name: 'Set status' }).click();
  await expect(s.locator('.incident-header .status-badge')).toHaveText('Resolved');
  await expect(s.locator('[data-clock="resolution"]')).toHaveAttribute('data-state', 'met');

  await s.getByRole('button', { name: 'Start the post-mortem' }).click();
  await s.getByRole('link', { name: 'Post-mortem (Draft) →' }).click();
  await hydrated(s);
  await expect(s.locator('[data-section="timeline"]')).toContainText('We have found the cause');
  await s.getByLabel('Summary').fill('A bad deploy broke **checkout** for 20 minutes.');
  await s.getByLabel('Root cause').fill('A missing migration.');
  await s.getByRole('button', { name: 'Save post-mortem' }).click();
  await expect(s.locator('[data-section="summary"] strong')).toHaveText('checkout');
  await s.getByLabel('New action item').fill('Run migrations before the deploy switches traffic');
  await s.getByLabel('Due').fill('2027-01-15');
  await s.getByRole('button', { name: 'Add action item' }).click();
  await expect(s.locator('table.action-items')).toContainText('Run migrations before the deploy switches traffic');
  await s.getByRole('button', { name: 'Publish' }).click();
  await expect(s.locator('.pm-status')).toHaveText('Published');
  await expect(s.getByRole('button', { name: 'Save post-mortem' })).toHaveCount(0);

  // A viewer reads everything but gets no controls, and the server refuses a hand-made POST.
  const viewerContext = await browser.newContext();
  const v = await viewerContext.newPage();
  await signIn(v, viewer);
  await v.goto(incidentUrl);
  await hydrated(v);
  await expect(v.getByRole('heading', { name: 'Checkout returns 500 for everyone' })).toBeVisible();
  await expect(v.locator('.timeline')).toContainText('We have found the cause and are rolling back.');
  for (const name of ['Acknowledge', 'Set status', 'Post', 'Change severity', 'Save times']) {
    await expect(v.getByRole('button', { name, exact: true })).toHaveCount(0);
  }
  await v.goto(`${incidentUrl}/postmortem`);
  await expect(v.locator('[data-section="summary"]')).toContainText('A bad deploy broke');
  await expect(v.getByRole('button', { name: 'Publish' })).toHaveCount(0);
  await expect(v.getByRole('button', { name: 'Add action item' })).toHaveCount(0);
  const id = incidentUrl.split('/').pop() ?? '';
  const refused = await v.request.post('/api/incidents/post', {
    form: { id, body: 'viewer was here', visibility: 'public' },
    headers: { Origin: new URL(v.url()).origin },
  });
  expect(refused.status()).toBe(403);
  await v.reload();
  await expect(v.locator('body')).not.toContainText('viewer was here');
  await supportContext.close();
  await viewerContext.close();
});
