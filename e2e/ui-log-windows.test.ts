import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, startPolytene, type PolyteneServer } from './runner-harness.js';
import { ScriptedRunner, ensureBuilt, launchChromium, screenshot, watchConsole } from './ui-support.js';

/**
 * The log viewer holds only what it shows (issue 12, item 5): a log longer than the browser's window
 * cache is read a window at a time, #L<n> links to a line, and search runs on the server. Opened by a
 * host name, not localhost, as a team opens it.
 */
const HOSTNAME = 'logs.test';
/** The admin password `Api.asAdmin` sets (see runner-harness.ts). */
const ADMIN_PASSWORD = 'Runner-E2e-Passw0rd';
const LINES = 60_000;
const NEEDLES: Record<number, string> = { 161: 'needle-one', 25_000: 'Needle-Two', 55_555: 'NEEDLE-three' };

let server: PolyteneServer;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let deploymentId: number;
/** The log page requests the page made (path and query). */
const logRequests: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  const api = await Api.asAdmin(server.url);
  const created = await api.createRunner('scripted');
  const runner = new ScriptedRunner(server.url, created.token);
  await runner.hello();
  const project = await api.createProject('git@gitlab.example.com:team/long-log.git', created.id, {
    environment: 'production',
    deployment_script: './deploy.sh',
  });
  deploymentId = await api.deploy(project.id, 'a'.repeat(40));
  const job = await runner.takeJob();
  await runner.update(job, { status: 'running' });
  for (let from = 1; from <= LINES; from += 5000)
    await runner.log(
      job,
      Array.from({ length: 5000 }, (_, i) => ({ text: NEEDLES[from + i] ?? `compiling unit ${from + i}` })),
    );
  await runner.update(job, { status: 'succeeded', exit_code: 0 });

  browser = await launchChromium([`--host-resolver-rules=MAP ${HOSTNAME} 127.0.0.1`, '--disable-quic']);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  page.setDefaultTimeout(15_000);
  consoleErrors = watchConsole(page);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.includes('/log')) logRequests.push(url.pathname + url.search);
  });
  await page.goto(`http://${HOSTNAME}:${server.port}/login`);
  await page.getByLabel('Login').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    await screenshot(page, `failed-log-windows-${ctx.task.name.replace(/\W+/g, '-')}`).catch(() => undefined);
    console.error(`console errors so far: ${JSON.stringify(consoleErrors)}; url ${page.url()}`);
  }
});

/** The text of line `n` as the page shows it, once it is on screen. */
async function shownText(n: number): Promise<string> {
  const row = page.locator(`.log-row[data-n="${n}"] .log-text`);
  await expect.poll(() => row.textContent(), { timeout: 10_000 }).not.toBe('…');
  return (await row.textContent()) ?? '';
}

describe('a 60,000-line log in the browser', () => {
  it('opens at #L161 with that line marked, reading only windows of 1000 lines around it', async () => {
    logRequests.length = 0;
    await page.goto(`http://${HOSTNAME}:${server.port}/deployments/${deploymentId}#L161`);
    await page.getByTestId('outcome').getByText('exit code 0').waitFor();
    await page.locator('.log-row.log-current[data-n="161"]').waitFor();
    expect(await shownText(161)).toBe('needle-one');
    expect(await shownText(160)).toBe('compiling unit 160');
    expect(await page.getByTestId('log').getAttribute('data-rows')).toBe(String(LINES));
    await screenshot(page, 'log-windows-01-linked-line');
    const pages = logRequests.filter((url) => url.includes('/log?'));
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.length).toBeLessThanOrEqual(6);
    for (const url of pages) expect(url).toContain('limit=1000');
    expect(logRequests.some((url) => url.includes('after=0&'))).toBe(true);
  }, 60_000);

  it('sets the address to #L<n> when a line number is clicked, and follows a changed address', async () => {
    await page.locator('.log-row[data-n="170"] .log-n').click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#L170');
    await page.locator('.log-row.log-current[data-n="170"]').waitFor();
    await page.evaluate(`location.hash = '#L42000'`);
    await page.locator('.log-row.log-current[data-n="42000"]').waitFor();
    expect(await shownText(42_000)).toBe('compiling unit 42000');
  }, 60_000);

  it('finds lines anywhere in the log through the server and steps from hit to hit', async () => {
    logRequests.length = 0;
    await page.getByRole('searchbox').fill('needle');
    await page.getByRole('search').getByText('1 of 3').waitFor();
    expect(logRequests.filter((url) => url.includes('/log/search?'))).toHaveLength(1);
    await page.locator('.log-row.log-current[data-n="161"] mark').waitFor();
    await page.getByRole('searchbox').press('Enter');
    await page.getByRole('search').getByText('2 of 3').waitFor();
    await page.locator('.log-row.log-current[data-n="25000"]').waitFor();
    expect(await shownText(25_000)).toBe('Needle-Two');
    await page.getByRole('searchbox').press('Enter');
    await page.locator('.log-row.log-current[data-n="55555"] mark').waitFor();
    expect(await shownText(55_555)).toBe('NEEDLE-three');
    await screenshot(page, 'log-windows-02-search-hit');
    await page.getByRole('searchbox').fill('no such text anywhere');
    await page.getByRole('search').getByText('no match').waitFor();
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
