import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, startPolytene, type PolyteneServer } from './runner-harness.js';
import { ScriptedRunner, ensureBuilt, launchChromium, screenshot, watchConsole } from './ui-support.js';

/**
 * Log sections and phases (issue 12, item 4): GitLab's section markers show as collapsible headers with
 * their durations, a collapsed section's lines are never read, and the phase shows next to the status.
 * Opened by a host name, not localhost, as a team opens it.
 */
const HOSTNAME = 'sections.test';
/** The admin password `Api.asAdmin` sets (see runner-harness.ts). */
const ADMIN_PASSWORD = 'Runner-E2e-Passw0rd';
const K = '\u001b[0K';
const T = 1_760_000_000;
/** Lines inside the collapsed section: 30 windows of the log view, none of which it may read. */
const INSTALL_LINES = 30_000;

let server: PolyteneServer;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let finishedId: number;
let runningId: number;
let stagingId: number;
const logRequests: string[] = [];

const start = (ts: number, name: string, header: string, options = '') =>
  `${K}section_start:${ts}:${name}${options}\r${K}${header}`;
const end = (ts: number, name: string) => `${K}section_end:${ts}:${name}\r${K}`;

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  const api = await Api.asAdmin(server.url);
  const created = await api.createRunner('scripted');
  const runner = new ScriptedRunner(server.url, created.token);
  await runner.hello();
  const project = await api.createProject('git@gitlab.example.com:team/sections.git', created.id, {
    environment: 'production',
    deployment_script: './deploy.sh',
  });
  finishedId = await api.deploy(project.id, 'b'.repeat(40));
  const job = await runner.takeJob();
  await runner.update(job, { status: 'running' });
  await runner.log(job, [
    { text: '::polytene-phase::prepare' },
    { text: start(T, 'install', `\u001b[1;36mInstall dependencies\u001b[0m`, '[collapsed=true]') },
  ]);
  for (let from = 1; from <= INSTALL_LINES; from += 5000)
    await runner.log(
      job,
      Array.from({ length: 5000 }, (_, i) => ({ text: `installing package ${from + i}` })),
    );
  await runner.log(job, [
    { text: end(T + 83, 'install') },
    { text: '::polytene-phase::migrate' },
    { text: start(T + 90, 'migrate', 'Migrate database') },
    ...Array.from({ length: 5 }, (_, i) => ({ text: `migration ${i + 1} applied` })),
    { text: end(T + 95, 'migrate') },
    { text: 'deployed' },
  ]);
  await runner.update(job, { status: 'succeeded', exit_code: 0 });

  const other = await api.createProject('git@gitlab.example.com:team/running.git', created.id, {
    environment: 'staging',
    deployment_script: './deploy.sh',
  });
  runningId = await api.deploy(other.id, 'c'.repeat(40));
  const running = await runner.takeJob();
  await runner.update(running, { status: 'running' });
  await runner.log(running, [{ text: 'booting' }, { text: '::polytene-phase::smoke tests' }]);
  stagingId = (await api.call<{ environment_id: number }>('GET', `/api/v1/deployments/${runningId}`))
    .environment_id;

  browser = await launchChromium([`--host-resolver-rules=MAP ${HOSTNAME} 127.0.0.1`, '--disable-quic']);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  page.setDefaultTimeout(15_000);
  consoleErrors = watchConsole(page);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.endsWith('/log')) logRequests.push(url.pathname + url.search);
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
    await screenshot(page, `failed-log-sections-${ctx.task.name.replace(/\W+/g, '-')}`).catch(
      () => undefined,
    );
    console.error(`console errors so far: ${JSON.stringify(consoleErrors)}; url ${page.url()}`);
  }
});

const rows = () => page.getByTestId('log').getAttribute('data-rows');
const head = (n: number) => page.locator(`.log-row[data-n="${n}"] .log-section-head`);
/** The log's lines: the phase line, the install section, then the migrate one. */
const TOTAL = INSTALL_LINES + 12;
const INSTALL_END = INSTALL_LINES + 3;
const MIGRATE_START = INSTALL_LINES + 5;

describe('log sections of a finished deployment', () => {
  it('shows a collapsed section as its header with its duration and reads none of its lines', async () => {
    logRequests.length = 0;
    await page.goto(`http://${HOSTNAME}:${server.port}/deployments/${finishedId}`);
    await page.getByTestId('outcome').getByText('exit code 0').waitFor();
    // Shown: the phase line, the install header, the phase line, migrate's header and 5 lines, the last.
    await expect.poll(rows).toBe('10');
    await expect.poll(() => head(2).textContent()).toBe('▸Install dependencies1:23');
    expect(await head(MIGRATE_START).textContent()).toBe('▾Migrate database0:05');
    expect(await page.getByTestId('phase').textContent()).toBe('Last phase: Migrate database');
    await screenshot(page, 'log-sections-01-collapsed');
    // The raw markers never show: no escape codes, no section_end text.
    expect(await page.getByTestId('log').textContent()).not.toContain('section_');
    // The first window and the tail's, read before the sections are known (at most two windows of it).
    const afters = logRequests.map((url) => Number(new URL(url, 'http://x').searchParams.get('after')));
    expect(afters).toContain(0);
    for (const after of afters) expect(after === 0 || after >= INSTALL_LINES - 1000).toBe(true);
  }, 60_000);

  it('expands and collapses a section with its toggle', async () => {
    await page.getByRole('button', { name: 'Expand the section Install dependencies' }).click();
    await expect.poll(rows).toBe(String(TOTAL - 2));
    await page.getByTestId('log').evaluate((element) => (element.scrollTop = 0));
    await page.locator('.log-row[data-n="3"] .log-text').getByText('installing package 1').waitFor();
    await screenshot(page, 'log-sections-02-expanded');
    await page.getByTestId('log').evaluate((element) => (element.scrollTop = element.scrollHeight));
    await page.getByRole('button', { name: 'Collapse the section Migrate database' }).click();
    await expect.poll(rows).toBe(String(TOTAL - 2 - 5));
    await page.getByTestId('log').evaluate((element) => (element.scrollTop = 0));
    await page.getByRole('button', { name: 'Collapse the section Install dependencies' }).click();
    await expect.poll(rows).toBe('5');
    await page.getByRole('button', { name: 'Expand the section Migrate database' }).click();
    await expect.poll(rows).toBe('10');
    expect(await page.locator(`.log-row[data-n="${INSTALL_END}"]`).count()).toBe(0);
  }, 60_000);

  it('opens the collapsed section a search hit is in', async () => {
    await page.goto(`http://${HOSTNAME}:${server.port}/deployments/${finishedId}`);
    await expect.poll(rows).toBe('10');
    await page.getByRole('searchbox').fill('installing package 15000');
    await page.getByRole('search').getByText('1 of 1').waitFor();
    await page.locator('.log-row.log-current[data-n="15002"] mark').waitFor();
    expect(await rows()).toBe(String(TOTAL - 2));
    await screenshot(page, 'log-sections-03-search-hit');
    await page.getByTestId('log').evaluate((element) => (element.scrollTop = 0));
    expect(await head(2).getByRole('button').getAttribute('aria-expanded')).toBe('true');
  }, 60_000);

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`http://${HOSTNAME}:${server.port}/deployments/${finishedId}`);
    await head(2).waitFor();
    await screenshot(page, 'log-sections-04-phone');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await page.setViewportSize({ width: 1280, height: 860 });
  }, 60_000);
});

describe('the phase of a running deployment', () => {
  it('shows next to its status on its page, the dashboard and its environment', async () => {
    await page.goto(`http://${HOSTNAME}:${server.port}/deployments/${runningId}`);
    await page.getByTestId('phase').getByText('Phase: smoke tests').waitFor();
    await page.goto(`http://${HOSTNAME}:${server.port}/`);
    await page.getByText('Phase: smoke tests').waitFor();
    await screenshot(page, 'log-sections-05-dashboard-phase');
    await page.goto(`http://${HOSTNAME}:${server.port}/environments/${stagingId}`);
    await page.getByText('Phase: smoke tests').waitFor();
    await screenshot(page, 'log-sections-06-environment-phase');
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
