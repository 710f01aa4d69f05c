import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, startPolytene, type PolyteneServer } from './runner-harness.js';
import { ensureBuilt, launchChromium, screenshot, watchConsole } from './ui-support.js';
import { startReceiver, type Receiver } from '../packages/server/src/test-support/receiver.js';
import { verifySignature } from '../packages/server/src/notifications/hook-payloads.js';

/**
 * Outgoing notifications in the browser (issue 11, item 1): a maintainer adds a signed webhook pointing
 * at a real receiver the test starts, sends a test and sees it delivered (HTTP 200) in the hook's
 * history; the receiver got a body signed with the secret shown once. Then the receiver answers 500 and
 * the history shows the failed delivery with its error; a new secret signs from then on, the old one not.
 * The UI is opened by a name, not loopback; the server may send to 127.0.0.1 (POLYTENE_NOTIFY_ALLOW_PRIVATE).
 */
const HOSTNAME = 'polytene-notify.test';
/** The admin password `Api.asAdmin` sets (see runner-harness.ts). */
const ADMIN_PASSWORD = 'Runner-E2e-Passw0rd';

let server: PolyteneServer;
let receiver: Receiver;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleErrors: string[];
let url: string;
let projectId: number;
let secret: string;

beforeAll(async () => {
  ensureBuilt();
  receiver = await startReceiver();
  server = await startPolytene({ POLYTENE_NOTIFY_ALLOW_PRIVATE: 'true' });
  url = `http://${HOSTNAME}:${server.port}`;
  const api = await Api.asAdmin(server.url);
  projectId = (
    await api.call<{ id: number }>('POST', '/api/v1/projects', {
      name: 'shop',
      clone_url: 'git@gitlab.example.com:team/shop.git',
    })
  ).id;
  browser = await launchChromium([`--host-resolver-rules=MAP ${HOSTNAME} 127.0.0.1`, '--disable-quic']);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  consoleErrors = watchConsole(page);
  await page.goto(`${url}/login`);
  await page.getByLabel('Login').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}, 180_000);

afterEach(async (test) => {
  if (test.task.result?.state === 'fail')
    await screenshot(page, `notifications-failed-${test.task.name.replace(/\W+/g, '-')}`).catch(
      () => undefined,
    );
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await receiver?.close();
});

const hookItem = (): Locator => page.getByRole('article', { name: `Hook to ${receiver.base}/hook` });
const lastRequest = () => receiver.received.at(-1)!;
const signedWith = (key: string) => {
  const got = lastRequest();
  return verifySignature(
    key,
    {
      timestamp: got.headers['x-polytene-timestamp'] as string | undefined,
      signature: got.headers['x-polytene-signature'] as string | undefined,
    },
    got.raw,
  );
};

describe('notification hooks in the browser', () => {
  it('adds a signed webhook and shows its secret once', async () => {
    await page.goto(`${url}/projects/${projectId}`);
    const section = page.getByTestId('notification-hooks');
    await section.getByText('No notification hooks yet.').waitFor();
    const form = section.getByRole('form', { name: 'Add hook' });
    await form.getByLabel('Kind').selectOption('webhook');
    await form.getByLabel('URL').fill(`${receiver.base}/hook`);
    await form.getByLabel('succeeded').check();
    await form.getByRole('button', { name: 'Add hook' }).click();
    await hookItem().waitFor();
    const shown = section.locator('.secret-once .copy-value');
    secret = (await shown.textContent()) ?? '';
    expect(secret).toMatch(/^[\w-]{40,}$/);
    await expect.poll(() => hookItem().getByText('Nothing sent yet.').isVisible()).toBe(true);
  });

  it('sends a test: the history shows it delivered with HTTP 200, the receiver got a correctly signed body', async () => {
    await hookItem().getByRole('button', { name: 'Send test' }).click();
    await hookItem().getByText('Test delivered (HTTP 200).').waitFor();
    const row = hookItem().locator('tr[data-delivery-status="delivered"]');
    await row.waitFor();
    await expect.poll(() => row.locator('td').nth(3).textContent()).toBe('200');
    expect(await row.locator('td').first().textContent()).toBe('test');
    await hookItem().scrollIntoViewIfNeeded();
    await screenshot(page, 'notifications-test-delivered');

    expect(receiver.received).toHaveLength(1);
    const got = lastRequest();
    expect(got.path).toBe('/hook');
    expect(got.headers['content-type']).toBe('application/json');
    expect(signedWith(secret)).toBe('ok');
    expect(signedWith('not-the-secret')).toBe('bad signature');
    expect(Math.abs(Number(got.headers['x-polytene-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(JSON.parse(got.raw)).toMatchObject({
      event: 'test',
      project: { id: projectId, name: 'shop' },
      deployment: null,
    });
  });

  it('shows a receiver answering 500 as a failed delivery with its error and answer', async () => {
    receiver.answers.set('/hook', { status: 500, body: 'receiver broken' });
    await hookItem().getByRole('button', { name: 'Send test' }).click();
    await hookItem().getByText('Test failed: HTTP 500').waitFor();
    const row = hookItem().locator('tr[data-delivery-status="failed"]');
    await row.waitFor();
    expect(await row.locator('td').nth(2).textContent()).toBe('failed');
    expect(await row.locator('td').nth(3).textContent()).toBe('500');
    expect(await row.locator('td').nth(5).textContent()).toBe('HTTP 500receiver broken');
    await expect.poll(() => hookItem().locator('tbody tr').count()).toBe(2);
    await hookItem().scrollIntoViewIfNeeded();
    await screenshot(page, 'notifications-test-failed');
  });

  it('edits the hook and gives it a new secret: the next test is signed with the new one only', async () => {
    receiver.answers.delete('/hook');
    await hookItem()
      .getByRole('button', { name: `Edit the hook to ${receiver.base}/hook` })
      .click();
    const edit = hookItem().getByRole('form', { name: 'Save hook' });
    await edit.getByLabel('Environment').fill('production');
    await edit.getByRole('button', { name: 'Save hook' }).click();
    await hookItem().getByText('Hook saved.').waitFor();
    await hookItem()
      .getByText(/^production · /)
      .waitFor();

    await hookItem().getByRole('button', { name: 'New secret' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('The current secret stops working at once').waitFor();
    await dialog.getByRole('button', { name: 'New secret' }).click();
    const fresh = (await hookItem().locator('.secret-once .copy-value').textContent()) ?? '';
    expect(fresh).toMatch(/^[\w-]{40,}$/);
    expect(fresh).not.toBe(secret);
    await hookItem().getByRole('button', { name: 'Send test' }).click();
    await hookItem().getByText('Test delivered (HTTP 200).').waitFor();
    expect(signedWith(fresh)).toBe('ok');
    expect(signedWith(secret)).toBe('bad signature');
    await screenshot(page, 'notifications-new-secret');
  });

  it('fits a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await hookItem().scrollIntoViewIfNeeded();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'notifications-phone');
    expect(consoleErrors).toEqual([]);
  });
});
