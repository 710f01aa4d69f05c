import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPolytene, type PolyteneServer } from './runner-harness.js';
import {
  DEFAULT_ADMIN_PASSWORD,
  ScriptedRunner,
  ensureBuilt,
  launchChromium,
  logInChangingPassword,
  screenshot,
  sessionApi,
  watchConsole,
} from './ui-support.js';

/**
 * DORA metrics in the browser (issue 11, item 3): a failed then a succeeded deployment in production, and
 * the project's DORA page shows the four figures in words, the daily chart and the 7/30/90-day switch.
 */
const NEW_PASSWORD = 'Ui-E2e-Passw0rd!';
const SHA = 'd'.repeat(40);

let server: PolyteneServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let projectId: number;

/** Calls the API with the browser's own session. */
const apiCall = <T>(method: string, route: string, body?: unknown) =>
  sessionApi(context, server.url)<T>(method, route, body);

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await context.newPage();
  errors = watchConsole(page);
  page.setDefaultTimeout(10_000);
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') {
    await screenshot(page, 'dora-failed').catch(() => undefined);
    console.error(`console errors: ${JSON.stringify(errors)}; at ${page.url()}`);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('DORA metrics in the browser', () => {
  it('sets up a project with a failed and then a succeeded deployment in production', async () => {
    await logInChangingPassword(page, server.url, 'admin', DEFAULT_ADMIN_PASSWORD, NEW_PASSWORD);

    const created = await apiCall<{ token: string }>('POST', '/api/v1/runners', {
      name: 'host',
      shared: true,
    });
    const runner = new ScriptedRunner(server.url, created.token);
    await runner.hello();
    projectId = (
      await apiCall<{ id: number }>('POST', '/api/v1/projects', {
        name: 'metrics',
        clone_url: 'git@gitlab.example.com:team/metrics.git',
      })
    ).id;
    await apiCall('POST', `/api/v1/projects/${projectId}/branches`, {
      branch_name: 'main',
      environment: 'production',
      deployment_script: './deploy.sh',
    });
    const { token } = await apiCall<{ token: string }>('POST', '/api/v1/user/tokens', { name: 'ci' });
    const res = await fetch(`${server.url}/api/v1/projects/${projectId}/builds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main', sha: SHA, status: 'success' }),
    });
    expect(res.status).toBeLessThan(300);
    const buildId = ((await res.json()) as { build: { id: number } }).build.id;
    for (const outcome of ['failed', 'succeeded'] as const) {
      await apiCall('POST', `/api/v1/builds/${buildId}/deployments`, { environment: 'production' });
      const job = await runner.takeJob();
      await runner.update(job, { status: 'running' });
      await runner.update(
        job,
        outcome === 'failed'
          ? { status: 'failed', exit_code: 1, failure_reason: 'script_failure' }
          : { status: 'succeeded', exit_code: 0 },
      );
    }
  });

  it('opens the DORA page from the project and shows the four figures, the chart and the window switch', async () => {
    await page.goto(`${server.url}/projects/${projectId}`);
    await page.getByRole('link', { name: 'DORA metrics' }).click();
    await page.getByRole('heading', { name: 'DORA metrics' }).waitFor();
    const prod = page.locator('section', { has: page.getByRole('heading', { name: 'production' }) });
    await prod.getByText('Deployment frequency').waitFor();
    await prod.getByText('0.03 per day').waitFor();
    await prod.getByText('1 succeeded deployments').waitFor();
    await prod.getByText('Lead time for changes').waitFor();
    await prod.getByText('Change failure rate').waitFor();
    await prod.getByText('50.0%').waitFor();
    await prod.getByText('1 failed of 2 finished', { exact: false }).waitFor();
    await prod.getByText('Time to restore').waitFor();
    await prod.getByText('0 failures not restored yet', { exact: false }).waitFor();
    expect(await prod.getByText(/^\d+\.\d (seconds|minutes)$/).count()).toBeGreaterThanOrEqual(2);
    await prod
      .getByRole('img', { name: '1 succeeded and 1 failed deployments in the last 30 days' })
      .waitFor();
    await screenshot(page, 'dora-01-30-days');

    await page.getByRole('button', { name: '7 days' }).click();
    await prod.getByText('0.14 per day').waitFor();
    await prod
      .getByRole('img', { name: '1 succeeded and 1 failed deployments in the last 7 days' })
      .waitFor();
    expect(new URL(page.url()).searchParams.get('days')).toBe('7');
    await screenshot(page, 'dora-02-7-days');
    expect(errors).toEqual([]);
  });
});
