import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPolytene, type PolyteneServer } from './runner-harness.js';
import { ensureBuilt, launchChromium, screenshot, watchConsole } from './ui-support.js';

/**
 * The way a team lead first opens the UI: plain http, by the VM's name, not localhost. Browsers exempt
 * only localhost and 127.0.0.1 from `upgrade-insecure-requests`, so the other UI tests cannot see it.
 */
const HOSTNAME = 'polytene.test';

let server: PolyteneServer;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
const failedRequests: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  browser = await launchChromium([`--host-resolver-rules=MAP ${HOSTNAME} 127.0.0.1`, '--disable-quic']);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  page.setDefaultTimeout(15_000);
  consoleErrors = watchConsole(page);
  // A fetch the page itself cancels (leaving the landing page while its chart loads) is not a failure;
  // scripts pushed to https by upgrade-insecure-requests fail with a connection or TLS error instead.
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') failedRequests.push(request.url());
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe(`the UI opened over plain http as http://${HOSTNAME}:<port>`, () => {
  it('loads its scripts over http, logs the admin in and shows the dashboard', async () => {
    const url = `http://${HOSTNAME}:${server.port}`;
    try {
      await page.goto(url);
      await page.getByRole('link', { name: 'Log in' }).first().click();
      await page.getByLabel('Login').fill('admin');
      await page.getByLabel('Password').fill('AlaMaKota2!');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await page.getByLabel('Current password').fill('AlaMaKota2!');
      await page.getByLabel('New password', { exact: true }).fill('Hostname-Passw0rd!');
      await page.getByLabel('New password again').fill('Hostname-Passw0rd!');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    } finally {
      await screenshot(page, 'hostname-http-dashboard');
    }
    expect(new URL(page.url()).origin).toBe(url);
    expect(failedRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
