import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPolytene, type PolyteneServer } from './runner-harness.js';
import {
  ScriptedRunner,
  ensureBuilt,
  launchChromium,
  screenshot,
  watchConsole,
  type ScriptedJob,
  sessionApi,
} from './ui-support.js';

const NEW_PASSWORD = 'Ui-E2e-Passw0rd!';
const SHA = 'a'.repeat(40);

let server: PolyteneServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleErrors: string[];
let runner: ScriptedRunner;
let projectId: number;
let buildId: number;
let firstDeployment: number;

/** Calls the API with the browser's own session. */
const apiCall = <T>(method: string, route: string, body?: unknown) =>
  sessionApi(context, server.url)<T>(method, route, body);

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  page = await context.newPage();
  consoleErrors = watchConsole(page);
  if (process.env.UI_DEBUG) {
    page.on('response', (r) => console.log('RESP', r.status(), r.request().method(), r.url()));
    page.on('console', (m) => console.log('CONSOLE', m.type(), m.text()));
  }
}, 180_000);

afterEach(async (context) => {
  // A failed step leaves a screenshot and the console errors so far, to see what the user saw.
  if (context.task.result?.state === 'fail' && page) {
    await screenshot(page, `failed-${context.task.name.replace(/\W+/g, '-')}`).catch(() => undefined);
    console.error(`console errors so far: ${JSON.stringify(consoleErrors)}; url ${page.url()}`);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the browser UI against a real server', () => {
  it('shows the public landing page with its 30-day chart', async () => {
    await page.goto(server.url);
    await page.getByRole('heading', { name: /Deploy what your CI has built/ }).waitFor();
    const bars = page.locator('.chart svg');
    await bars.waitFor();
    expect(await page.locator('.chart-legend').textContent()).toContain('last 30 days');
    await screenshot(page, '01-landing');
  });

  it('logs in the default admin and forces a password change first', async () => {
    await page.getByRole('link', { name: 'Log in' }).first().click();
    await page.getByLabel('Login').fill('admin');
    await page.getByLabel('Password').fill('AlaMaKota2!');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('Current password').fill('AlaMaKota2!');
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    // the server's reason appears next to the field it names
    await page.locator('.field-error', { hasText: 'at least 10 characters' }).waitFor();
    await screenshot(page, '02-password-error');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    // the empty state, not the loading one
    await page.getByText('Nothing has been deployed yet.').waitFor();
    await screenshot(page, '03-dashboard-empty');
  });

  it('creates a runner and shows its token once with the exact command', async () => {
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('link', { name: 'Runners' })
      .click();
    await page.getByLabel('Name').fill('deploy-host');
    await page.getByRole('button', { name: 'Create' }).click();
    const command = (await page.getByTestId('runner-command').textContent()) ?? '';
    expect(command).toMatch(new RegExp(`^polytene-runner configure --url ${server.url} --token prt_\\S+$`));
    expect(await page.getByTestId('runner-install').textContent()).toContain(
      `curl -fsSLO ${server.url}/download/polytene-runner`,
    );
    expect(await page.getByTestId('runner-systemd').textContent()).toContain('ExecStart=');
    runner = new ScriptedRunner(server.url, command.split('--token ')[1] ?? '');
    await runner.hello();
    await page.reload();
    await page.getByTestId('runner-deploy-host').getByText('online').waitFor();
    // the scripted runner says version 'e2e', not the one this server offers
    await page.getByTestId('runner-outdated-deploy-host').waitFor();
    await screenshot(page, '04-runners');
  });

  it('creates a project linked to the runner, with its webhook URL and secret', async () => {
    await page.goto(`${server.url}/projects`);
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Name').fill('shop');
    await page.getByLabel('Clone URL').fill('git@gitlab.example.com:team/shop.git');
    await page.getByLabel('Runner').selectOption({ label: 'deploy-host' });
    await page.getByText('Public: its deployment counts appear on the front page').click();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'shop' }).waitFor();
    await page.getByText('GitLab webhook URL').waitFor();
    projectId = Number(new URL(page.url()).pathname.split('/')[2]);
    expect(await page.locator('.copy-value').first().textContent()).toBe(
      `${server.url}/api/v1/projects/${projectId}/hooks/gitlab`,
    );
    await screenshot(page, '05-project');
  });

  it('adds a branch config with a script and a secret variable', async () => {
    await page.getByRole('link', { name: 'Add branch config' }).click();
    await page.getByLabel('Branch', { exact: true }).fill('main');
    await page.getByLabel('Environment').fill('production');
    await page.getByLabel('Deployment script').fill('echo deploying\n./deploy.sh');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByPlaceholder('NAME').fill('API_KEY');
    await page.getByPlaceholder('value').fill('s3cr3t-api-key');
    await page.getByRole('checkbox', { name: 'secret' }).check();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Saved.').waitFor();
    // the secret's value is write-only: not shown again
    expect(await page.getByPlaceholder('stored secret (leave empty to keep)').inputValue()).toBe('');
    await screenshot(page, '06-branch-config');
  });

  it('shows a build that arrived through the API, and deploys it after a confirmation naming the environment', async () => {
    const { token } = await apiCall<{ token: string }>('POST', '/api/v1/user/tokens', { name: 'ci' });
    const res = await fetch(`${server.url}/api/v1/projects/${projectId}/builds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ref: 'main',
        sha: SHA,
        status: 'success',
        external_id: 'pipeline-1',
        commit_title: 'Add the checkout page',
        commit_author_name: 'Anna Nowak',
        commit_url: 'https://git.example.test/group/app/commit/1',
        pipeline_url: 'https://ci.example.test/pipelines/1',
      }),
    });
    expect(res.status).toBeLessThan(300);
    const created = (await res.json()) as { build: { id: number } };
    buildId = created.build.id;
    await page.goto(`${server.url}/projects/${projectId}`);
    await page.getByRole('link', { name: `#${buildId}` }).click();
    await page.getByText('Raw CI payload').waitFor();
    expect(await page.getByTestId('commit-title').textContent()).toBe('Add the checkout page');
    const pipelineLink = page.getByRole('link', { name: 'CI pipeline' });
    expect(await pipelineLink.getAttribute('href')).toBe('https://ci.example.test/pipelines/1');
    await page.getByTestId('deploy-button').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Deploy to production?' }).waitFor();
    expect(await dialog.textContent()).toContain('Nothing has been deployed there yet.');
    await screenshot(page, '07-deploy-confirm');
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await page.waitForURL(/\/deployments\/\d+$/);
    firstDeployment = Number(page.url().split('/').pop());
    const commit = page.getByTestId('commit-summary');
    await commit.waitFor();
    expect(await commit.textContent()).toBe('Add the checkout page by Anna Nowak');
  });

  it('streams the log live: colours, stderr marked, then the final status', async () => {
    const job = await runner.takeJob();
    expect(job.id).toBe(firstDeployment);
    await runner.update(job, { status: 'running' });
    await page.getByTestId('deployment-status').getByText('running').waitFor();
    await runner.log(job, [{ text: '$ echo deploying' }, { text: '\x1b[32mdeploying\x1b[0m' }]);
    await page.locator('.log-row', { hasText: 'deploying' }).nth(1).waitFor({ timeout: 5_000 });
    for (let i = 1; i <= 40; i++) await runner.log(job, [{ text: `step ${i} of 40` }]);
    await runner.log(job, [{ text: 'warning: disk almost full', stream: 'stderr' }]);
    await page.locator('.log-row.log-stderr', { hasText: 'disk almost full' }).waitFor({ timeout: 5_000 });
    expect(await page.locator('.log-row span[style*="--ansi-2"]').count()).toBeGreaterThan(0);
    await screenshot(page, '08-deployment-live');
    await page.getByRole('button', { name: 'stderr' }).click();
    await expect.poll(() => page.locator('.log-row').count()).toBe(1);
    await page.getByRole('button', { name: 'All' }).click();
    await runner.update(job, { status: 'succeeded', exit_code: 0 });
    await page.getByTestId('outcome').getByText('exit code 0').waitFor();
    expect(await page.getByTestId('log').getAttribute('data-rows')).toBe('43');
    await screenshot(page, '09-deployment-succeeded');
  });

  it('redeploys, then aborts the running redeployment', async () => {
    await page.getByRole('button', { name: 'Redeploy' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Redeploy' }).click();
    await page.waitForURL((url) => url.pathname !== `/deployments/${firstDeployment}`);
    const job: ScriptedJob = await runner.takeJob();
    await runner.update(job, { status: 'running' });
    await runner.log(job, [{ text: 'sleeping for a long time' }]);
    await page.locator('.log-row', { hasText: 'sleeping for a long time' }).waitFor();
    await page.getByRole('button', { name: 'Abort' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByRole('heading').textContent()).toBe('Abort the deployment to production?');
    await dialog.getByRole('button', { name: 'Abort' }).click();
    await runner.waitForControl(job, 'canceling');
    await runner.update(job, { status: 'canceled', exit_code: 143 });
    await page.getByTestId('outcome').getByText('canceled').waitFor();
    await screenshot(page, '10-deployment-aborted');
  });

  it('switches to Polish and keeps it after a reload', async () => {
    const saved = page.waitForResponse(
      (r) => r.url().endsWith('/api/v1/user') && r.request().method() === 'PATCH',
    );
    await page.getByTestId('language').selectOption('pl');
    await page
      .getByRole('navigation', { name: 'Nawigacja główna' })
      .getByRole('link', { name: 'Projekty' })
      .waitFor();
    await saved;
    await page.goto(`${server.url}/dashboard`);
    await page.getByRole('heading', { name: 'Pulpit' }).waitFor();
    await page.getByText('przerwane').first().waitFor();
    await screenshot(page, '11-dashboard-polish');
    const restored = page.waitForResponse(
      (r) => r.url().endsWith('/api/v1/user') && r.request().method() === 'PATCH',
    );
    await page.getByTestId('language').selectOption('en');
    await restored;
  });

  it('shows the audit history with each change as a diff, filterable by kind', async () => {
    await page.goto(`${server.url}/history`);
    await page.getByLabel('Kind').selectOption('project');
    // wait for the filtered list: an entry of the unfiltered one may be replaced right after a click
    await expect
      .poll(async () => {
        const items = await page.locator('.timeline-item').allTextContents();
        return items.length > 0 && items.every((text) => text.includes('project #'));
      })
      .toBe(true);
    const entry = page.locator('.timeline-item', { hasText: 'create' }).first();
    await entry.waitFor();
    await entry.getByText(/changed fields/).click();
    await entry.locator('.diff-after', { hasText: 'shop' }).first().waitFor();
    await screenshot(page, '12-history');
    // the filtered history downloads as CSV, with the browser's session
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('history-export').getByRole('link', { name: 'CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('audit.csv');
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    const [header, ...rows] = csv.trim().split('\n');
    expect(header).toMatch(/^id,created_at,actor,action,entity_type,/);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.split(',')[4] === 'project')).toBe(true);
  });

  it('offers the GitLab connection and API tokens on the profile page', async () => {
    await page.goto(`${server.url}/profile`);
    await page.getByRole('heading', { name: 'GitLab connection' }).waitFor();
    // No GitLab instance is configured yet: the admin is offered to add one.
    await page.getByRole('link', { name: 'Add a GitLab instance' }).waitFor();
    await page.getByRole('cell', { name: 'ci', exact: true }).waitFor();
    await screenshot(page, '13-profile');
  });

  it('tells a member with no GitLab instance configured to ask an administrator', async () => {
    await apiCall('POST', '/api/v1/users', {
      login: 'mia',
      email: 'mia@example.test',
      password: 'First-Passw0rd-42',
    });
    const memberContext = await browser.newContext({
      viewport: { width: 1280, height: 860 },
      locale: 'en-GB',
    });
    try {
      const member = await memberContext.newPage();
      await member.goto(`${server.url}/login`);
      await member.getByLabel('Login').fill('mia');
      await member.getByLabel('Password').fill('First-Passw0rd-42');
      await member.getByRole('button', { name: 'Log in' }).click();
      await member.getByLabel('Current password').fill('First-Passw0rd-42');
      await member.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
      await member.getByLabel('New password again').fill(NEW_PASSWORD);
      await member.getByRole('button', { name: 'Change password' }).click();
      await member.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await member.goto(`${server.url}/profile`);
      await member.getByText('Ask an administrator to add your GitLab instance.').waitFor();
      expect(await member.getByRole('link', { name: 'Add a GitLab instance' }).count()).toBe(0);
      expect(await member.getByRole('link', { name: 'GitLab', exact: true }).count()).toBe(0);
      await screenshot(member, '13b-profile-member-no-gitlab');
    } finally {
      await memberContext.close();
    }
  });

  it('counts the public project’s deployment on the landing page chart', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: /Deploy what your CI has built/ }).waitFor();
    await page.locator('.legend-ok', { hasText: 'Succeeded: 1' }).waitFor();
    expect(await page.locator('.chart-ok').count()).toBe(1);
    await screenshot(page, '14-landing-chart');
  });

  it('sends an expired session back to the login page', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Login').fill('admin');
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await context.clearCookies({ name: 'polytene_session' });
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('link', { name: 'Projects' })
      .click();
    await page.getByText('Your session has ended. Please log in again.').waitFor();
    // No script error all along; the only failed requests were the ones this test caused on purpose:
    // the too-short password (400) and the request of the expired session (401).
    const expected = /status of (401|400)\b/;
    expect(consoleErrors.filter((e) => !expected.test(e))).toEqual([]);
  });
});
