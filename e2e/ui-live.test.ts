import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, startPolytene, type PolyteneServer } from './runner-harness.js';
import { ScriptedRunner, ensureBuilt, launchChromium, screenshot, watchConsole } from './ui-support.js';

/**
 * Issue 10 item 8 in the browser: the dashboard matrix and the environment page follow the server
 * through GET /api/v1/events, without a reload. The UI is opened by a name, not localhost, as a team
 * would (--host-resolver-rules), so the event stream works off loopback too.
 */
const HOSTNAME = 'polytene-live.test';
/** The admin password `Api.asAdmin` sets (see runner-harness.ts). */
const ADMIN_PASSWORD = 'Runner-E2e-Passw0rd';

let server: PolyteneServer;
let api: Api;
let runner: ScriptedRunner;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let base: string;
let projectId: number;
let environmentId: number;
let serial = 0;

function nextSha(): string {
  serial += 1;
  return shaPrefix(serial).padEnd(40, 'd');
}

/** Reports a successful build of main; the branch deploys it automatically. */
async function recordBuild(sha: string): Promise<number> {
  const intake = await api.call<{ build: { id: number } }>('POST', `/api/v1/projects/${projectId}/builds`, {
    ref: 'main',
    sha,
    status: 'success',
    external_id: `live-${sha.slice(0, 8)}`,
  });
  return intake.build.id;
}

/** The scripted runner takes the next job and finishes it. */
async function runNextJob(status: 'succeeded' | 'failed'): Promise<number> {
  const job = await runner.takeJob();
  await runner.update(job, { status: 'running' });
  await runner.update(
    job,
    status === 'succeeded'
      ? { status, exit_code: 0 }
      : { status, exit_code: 1, failure_reason: 'script_failure' },
  );
  return job.id;
}

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  base = `http://${HOSTNAME}:${server.port}`;
  api = await Api.asAdmin(server.url);
  const created = await api.createRunner('scripted', true);
  runner = new ScriptedRunner(server.url, created.token);
  await runner.hello();
  const project = await api.call<{ id: number }>('POST', '/api/v1/projects', {
    name: 'shop',
    clone_url: 'git@gitlab.example.com:team/shop.git',
  });
  projectId = project.id;
  await api.call('POST', `/api/v1/projects/${projectId}/branches`, {
    branch_name: 'main',
    deployment_type: 'auto',
    environment: 'production',
    deployment_script: './deploy.sh',
  });
  const envs = await api.call<{ environments: { id: number; name: string }[] }>(
    'GET',
    `/api/v1/projects/${projectId}/environments`,
  );
  environmentId = envs.environments.find((e) => e.name === 'production')?.id ?? 0;
  await api.call('PATCH', `/api/v1/environments/${environmentId}`, { url: 'https://shop.example.test' });
  await api.call('POST', `/api/v1/projects/${projectId}/environments`, { name: 'staging' });
  await recordBuild(nextSha());
  await runNextJob('succeeded');

  browser = await launchChromium([`--host-resolver-rules=MAP ${HOSTNAME} 127.0.0.1`, '--disable-quic']);
  page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  page.setDefaultTimeout(15_000);
  consoleErrors = watchConsole(page);
  await page.goto(`${base}/login`);
  await page.getByLabel('Login').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('live pages', () => {
  it('shows a build recorded in the background on the open dashboard, without a reload', async () => {
    const cell = page.getByTestId(`cell-${environmentId}`);
    await cell.getByTestId('live').getByText(shaPrefix(1)).waitFor();
    await page.evaluate('window.__sameDocument = true');
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));

    const sha = nextSha();
    await recordBuild(sha);
    // the automatic deployment waits for the runner: the cell says so, live
    await cell.getByTestId('waiting').waitFor();
    await screenshot(page, 'live-01-dashboard-waiting');
    await runNextJob('succeeded');
    await cell.getByTestId('live').getByText(sha.slice(0, 8)).waitFor();
    await screenshot(page, 'live-02-dashboard-updated');

    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    expect(navigations).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('opens the environment page with its history, the live one marked, and a failed attempt added live', async () => {
    await page
      .getByTestId(`cell-${environmentId}`)
      .locator('xpath=..')
      .getByRole('link', { name: 'production' })
      .click();
    await page.getByRole('heading', { name: 'Environment production' }).waitFor();
    await page.getByRole('link', { name: 'https://shop.example.test' }).waitFor();
    const rows = page.locator('.table-wrap tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await page.locator('.row-current').getByText('current').waitFor();

    await recordBuild(nextSha());
    const failed = await runNextJob('failed');
    await page.getByTestId(`deployment-${failed}`).getByText('failed').waitFor();
    await expect.poll(() => rows.count()).toBe(3);
    await screenshot(page, 'live-03-environment');
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('lists deployments filtered by status, and the environment page fits a phone', async () => {
    await page.goto(`${base}/deployments?status=failed`);
    await page.getByRole('heading', { name: 'Deployments' }).waitFor();
    const rows = page.locator('.table-wrap tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().getByText('failed').waitFor();
    await page.getByLabel('Status').selectOption('succeeded');
    await expect.poll(() => rows.count()).toBe(2);
    await screenshot(page, 'live-04-deployments-filtered');

    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`${base}/environments/${environmentId}`);
    await page.getByRole('heading', { name: 'Environment production' }).waitFor();
    await page.locator('.row-current').waitFor();
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(375);
    await screenshot(page, 'live-05-environment-phone');

    // Holding automatic deployment there by hand, and resuming it (EnvironmentHold).
    await page.getByRole('button', { name: 'Hold', exact: true }).click();
    await page.getByLabel('Why hold automatic deployment here?').fill('checking the database');
    await page.getByRole('button', { name: 'Hold', exact: true }).click();
    await page
      .getByTestId('hold-text')
      .getByText(/held by \S+ since .*: checking the database/)
      .waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await screenshot(page, 'live-06-environment-held-phone');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Hold', exact: true }).waitFor();
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});

/** The short form (8 hex digits) of the `n`th sha this file makes. */
function shaPrefix(n: number): string {
  return n.toString(16).padStart(8, '0');
}
