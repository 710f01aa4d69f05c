import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, tempDir } from '../packages/runner/src/test-support/repo.js';
import { GitlabStandin } from '../packages/server/src/test-support/gitlab-standin.js';
import {
  Api,
  startPolytene,
  startRunnerProcess,
  type ManagedProcess,
  type PolyteneServer,
} from './runner-harness.js';
import { ensureBuilt, launchChromium, screenshot, watchConsole } from './ui-support.js';

/**
 * The browser UI against the real server, the real `polytene-runner` CLI and a real git repository over
 * file://: the script prints lines for as long as the test wants (it waits for a "release" file), so every
 * wait is on a condition, never on time.
 */
/** The admin password `Api.asAdmin` sets (see runner-harness.ts). */
const ADMIN_PASSWORD = 'Runner-E2e-Passw0rd';

let server: PolyteneServer;
let gitlab: GitlabStandin;
let api: Api;
let runner: ManagedProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleErrors: string[];
let projectId: number;
let buildId: number;
let deploymentId: number;
const repo = new TestRepo('polytene-e2e-ui-repo-');
const dir = tempDir('polytene-e2e-ui-runner-');
const release = path.join(dir, 'release');

/** Prints a numbered line every 0.2 s until the release file exists, then one stderr line, then exits. */
const SCRIPT = [
  'echo "deploying $POLYTENE_SHA to $POLYTENE_ENVIRONMENT"',
  'i=0',
  'while [ ! -e "$RELEASE_FILE" ]; do i=$((i+1)); echo "step $i"; sleep 0.2; done',
  'echo "warning: cache was cold" >&2',
  "printf '\\033[32mall done\\033[0m\\n'",
  'exit "$(cat "$RELEASE_FILE")"',
].join('\n');

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  api = await Api.asAdmin(server.url);
  const created = await api.createRunner('real-runner');
  runner = await startRunnerProcess([
    '--url',
    server.url,
    '--token',
    created.token,
    '--work-dir',
    path.join(dir, 'work'),
    '--kill-grace-seconds',
    '2',
  ]);
  const sha = repo.commit({ 'app.txt': 'version 1\n' });
  const project = await api.createProject(repo.url, created.id, {
    environment: 'production',
    deployment_script: SCRIPT,
    variables: [{ key: 'RELEASE_FILE', value: release }],
  });
  projectId = project.id;
  const intake = await api.call<{ build: { id: number } }>('POST', `/api/v1/projects/${projectId}/builds`, {
    ref: 'main',
    sha,
    status: 'success',
    external_id: 'ui-runner-1',
  });
  buildId = intake.build.id;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  page = await context.newPage();
  consoleErrors = watchConsole(page);
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    await screenshot(page, `failed-runner-${ctx.task.name.replace(/\W+/g, '-')}`).catch(() => undefined);
    console.error(`console errors so far: ${JSON.stringify(consoleErrors)}; url ${page.url()}`);
    console.error(`runner output:\n${runner?.output ?? ''}`);
  }
});

afterAll(async () => {
  if (!existsSync(release)) writeFileSync(release, '0');
  await browser?.close();
  await runner?.stop();
  await server?.close();
  await gitlab?.close();
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** The text part of the log row whose whole text is `text`. */
function lineOnScreen(text: string | RegExp) {
  const exact = typeof text === 'string' ? new RegExp(`^${text}$`) : text;
  return page.locator('.log-row .log-text', { hasText: exact });
}

/** The line numbers of the rows on screen whose text matches. */
async function shownSteps(): Promise<number[]> {
  const texts = await page.locator('.log-row .log-text').allTextContents();
  return texts.map((t) => /^step (\d+)$/.exec(t)?.[1]).flatMap((n) => (n ? [Number(n)] : []));
}

describe('the browser UI with the real runner', () => {
  it('deploys from the build page and shows the script’s lines live, before the deployment ends', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Login').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.goto(`${server.url}/builds/${buildId}`);
    await page.getByTestId('deploy-button').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Deploy to production?' }).waitFor();
    await dialog.getByRole('button', { name: 'Deploy' }).click();
    await page.waitForURL(/\/deployments\/\d+$/);
    deploymentId = Number(page.url().split('/').pop());

    // The script cannot end before the release file exists: whatever shows up now arrived live.
    await page.getByTestId('deployment-status').getByText('running').waitFor({ timeout: 60_000 });
    await lineOnScreen('step 3').waitFor({ timeout: 60_000 });
    const early = Math.max(...(await shownSteps()));
    // …and more keep coming without a reload, while the page still says running.
    await expect
      .poll(async () => Math.max(...(await shownSteps())), { timeout: 30_000 })
      .toBeGreaterThan(early + 2);
    expect(await page.getByTestId('outcome').count()).toBe(0);
    expect((await api.deployment(deploymentId)).status).toBe('running');
    const elapsedBefore = await page.getByTestId('elapsed').textContent();
    await expect
      .poll(() => page.getByTestId('elapsed').textContent(), { timeout: 10_000 })
      .not.toBe(elapsedBefore);
    await screenshot(page, 'runner-01-live');
  }, 180_000);

  it('shows the final status with the exit code, the stderr line marked and the colours', async () => {
    writeFileSync(release, '0');
    const outcome = page.getByTestId('outcome');
    await outcome.getByText('exit code 0').waitFor({ timeout: 60_000 });
    await outcome.getByText('succeeded', { exact: true }).waitFor();
    await page.locator('.log-row.log-stderr', { hasText: 'warning: cache was cold' }).waitFor();
    await lineOnScreen('all done').locator('span[style*="--ansi-2"]').waitFor();
    const stored = await api.log(deploymentId);
    expect(await page.getByTestId('log').getAttribute('data-rows')).toBe(String(stored.length));
    expect(await page.getByRole('button', { name: 'Abort' }).count()).toBe(0);
    // the first line has scrolled away long ago; searching brings it back into view, marked
    await page.getByRole('searchbox').fill('to production');
    await lineOnScreen(/^deploying [0-9a-f]{40} to production$/)
      .locator('mark')
      .waitFor();
    await page.getByRole('searchbox').fill('');
    await screenshot(page, 'runner-02-succeeded');
  }, 180_000);

  it('keeps the deployment page usable at phone width in the dark theme', async () => {
    await page.getByLabel('Theme').selectOption('dark');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('outcome').getByText('exit code 0').waitFor();
    // nothing sticks out sideways: the page does not scroll horizontally
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await lineOnScreen('all done').waitFor();
    await screenshot(page, 'runner-03-phone-dark');
    await page.setViewportSize({ width: 1280, height: 860 });
    await screenshot(page, 'runner-04-desktop-dark');
    await page.getByLabel('Theme').selectOption('light');
  }, 180_000);

  it('aborts a running deployment of the real runner: canceled, with the signal’s exit code', async () => {
    rmSync(release);
    await page.getByRole('button', { name: 'Redeploy' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Redeploy' }).click();
    await page.waitForURL((url) => url.pathname !== `/deployments/${deploymentId}`);
    await lineOnScreen('step 2').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Abort' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Abort' }).click();
    const outcome = page.getByTestId('outcome');
    await outcome.getByText('canceled', { exact: true }).waitFor({ timeout: 60_000 });
    await screenshot(page, 'runner-05-aborted');
    const id = Number(page.url().split('/').pop());
    const done = await api.deployment(id);
    expect(done.status).toBe('canceled');
    expect(consoleErrors).toEqual([]);
  }, 180_000);

  it('imports several projects from GitLab: connect on the profile, search, pick two, import', async () => {
    gitlab = await new GitlabStandin().start();
    gitlab.addUser('glpat-ui-e2e', { username: 'lead' });
    for (const name of ['webshop', 'webshop-admin', 'blog']) gitlab.addProject({ name, ssh_url: repo.url });
    await page.goto(`${server.url}/profile`);
    await page.getByLabel('GitLab URL').fill(gitlab.url);
    await page.getByLabel('Personal access token').fill('glpat-ui-e2e');
    await page.getByRole('button', { name: 'Save and verify' }).click();
    await page.getByText('Connected as lead.').first().waitFor({ timeout: 30_000 });

    await page.goto(`${server.url}/projects`);
    await page.getByRole('button', { name: 'Import from GitLab' }).click();
    const panel = page.locator('section', { has: page.getByRole('heading', { name: 'Import from GitLab' }) });
    await panel.getByRole('checkbox', { name: 'group/blog' }).waitFor({ timeout: 30_000 });
    await panel.getByRole('searchbox').fill('webshop');
    await panel.getByRole('checkbox', { name: 'group/blog' }).waitFor({ state: 'detached' });
    await panel.getByRole('checkbox', { name: 'group/webshop', exact: true }).check();
    await panel.getByRole('checkbox', { name: 'group/webshop-admin' }).check();
    await screenshot(page, 'runner-06-gitlab-import');
    await panel.getByRole('button', { name: 'Import 2 selected' }).click();
    await panel.getByText('2 projects imported.').waitFor({ timeout: 30_000 });
    // both now show as imported in the picker and in the project list
    await expect
      .poll(() => panel.getByRole('link', { name: 'imported', exact: true }).count(), { timeout: 30_000 })
      .toBe(2);
    await page.locator('main').getByRole('link', { name: 'webshop-admin' }).first().waitFor();
    await screenshot(page, 'runner-07-gitlab-imported');
    expect(gitlab.hooks.length).toBe(2);
  }, 180_000);
});
