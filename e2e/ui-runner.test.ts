import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** The page's background colour as the browser computed it (a string: no DOM library here). */
const BODY_BACKGROUND = 'getComputedStyle(document.body).backgroundColor';

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
const sshKey = path.join(dir, 'runner_ed25519');

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
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', sshKey]);
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
    '--ssh-key',
    sshKey,
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
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
    expect(await page.evaluate<string>(BODY_BACKGROUND)).toBe('rgb(13, 17, 23)');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('outcome').getByText('exit code 0').waitFor();
    // nothing sticks out sideways: the page does not scroll horizontally
    // (a string: this file is type-checked without the DOM library)
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await lineOnScreen('all done').waitFor();
    await screenshot(page, 'runner-03-phone-dark');
    await page.setViewportSize({ width: 1280, height: 860 });
    await screenshot(page, 'runner-04-desktop-dark');
    await page.getByLabel('Theme').selectOption('light');
    expect(await page.evaluate<string>(BODY_BACKGROUND)).toBe('rgb(246, 247, 249)');
    // "auto" follows the system's setting
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByLabel('Theme').selectOption('auto');
    expect(await page.evaluate<string>(BODY_BACKGROUND)).toBe('rgb(13, 17, 23)');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate<string>(BODY_BACKGROUND)).toBe('rgb(246, 247, 249)');
  }, 180_000);

  it('aborts a running deployment of the real runner from the page: it ends canceled', async () => {
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

  it('imports several projects from GitLab: add the instance, connect on the profile, search, pick two, import', async () => {
    gitlab = await new GitlabStandin().start();
    gitlab.addUser('glpat-ui-e2e', { username: 'lead' });
    for (const name of ['webshop', 'webshop-admin', 'blog']) gitlab.addProject({ name, ssh_url: repo.url });
    // With no instance configured, the profile sends the admin to add one.
    await page.goto(`${server.url}/profile`);
    await page.getByRole('link', { name: 'Add a GitLab instance' }).click();
    await page.getByRole('heading', { name: 'GitLab instances' }).waitFor();
    await page.getByLabel('Name').fill('Team GitLab');
    await page.getByLabel('URL').fill(gitlab.url);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'Team GitLab', exact: true }).waitFor();
    await screenshot(page, 'runner-06a-gitlab-instances');

    await page.goto(`${server.url}/profile`);
    await page.getByLabel('GitLab instance').selectOption({ label: `Team GitLab (${gitlab.url})` });
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

  it('lists builds with filters and pagination, and folds the raw CI payload', async () => {
    writeFileSync(release, '0');
    let withPayload = 0;
    for (let i = 1; i <= 27; i++) {
      const created = await api.call<{ build: { id: number } }>(
        'POST',
        `/api/v1/projects/${projectId}/builds`,
        {
          ref: i % 9 === 0 ? 'feature/x' : 'main',
          sha: repo.commit({ 'app.txt': `version ${i + 1}\n` }),
          status: i % 9 === 0 ? 'failed' : 'success',
          external_id: `ui-walk-${i}`,
          ...(i === 26
            ? { payload: { pipeline: { id: 4242, stages: ['build', 'test'] }, user: { name: 'lead' } } }
            : {}),
        },
      );
      if (i === 26) withPayload = created.build.id;
    }
    await page.goto(`${server.url}/projects/${projectId}/builds`);
    const pagination = page.getByRole('navigation', { name: 'Pages' });
    await pagination.getByText('Page 1 of 2').waitFor();
    expect(await page.locator('main tbody tr').count()).toBe(25);
    await pagination.getByRole('button', { name: /Next/ }).click();
    await pagination.getByText('Page 2 of 2').waitFor();
    await expect.poll(() => page.locator('main tbody tr').count()).toBe(3);
    await page.getByLabel('CI status').selectOption('failed');
    await expect
      .poll(async () =>
        (await page.locator('main tbody tr').allTextContents()).map((r) => r.includes('feature/x')),
      )
      .toEqual([true, true, true]);
    expect(await pagination.count()).toBe(0);
    await screenshot(page, 'runner-08-builds-filtered');

    // the raw payload: folded until asked for, then pretty-printed with its nested parts folded again
    await page.goto(`${server.url}/builds/${withPayload}`);
    const payload = page.locator('details.payload');
    await payload.waitFor();
    expect(await payload.getAttribute('open')).toBeNull();
    await payload.locator('summary').first().click();
    const pipeline = payload.locator(
      `xpath=.//details[summary/span[@class='json-key' and contains(., '"pipeline"')]]`,
    );
    await pipeline.waitFor();
    expect(await pipeline.getAttribute('open')).toBeNull();
    await pipeline.locator('summary').first().click();
    await pipeline.getByText('4242').waitFor();
    await page.getByRole('link', { name: /^e2e-/ }).first().waitFor(); // the crumbs name the project
    await screenshot(page, 'runner-08b-build-payload');
    // what is there now is the last deployment that succeeded, not the later canceled one
    const now = page.locator('section', { has: page.getByRole('heading', { name: 'Now on production' }) });
    await now.getByRole('link', { name: `#${buildId}` }).waitFor();
    expect(await now.textContent()).toContain('succeeded');
  }, 180_000);

  it('offers Roll back for an older build, naming the environment and what is there now', async () => {
    const { builds } = await api.call<{ builds: { id: number; ref: string }[] }>(
      'GET',
      `/api/v1/projects/${projectId}/builds?branch=main&per_page=1`,
    );
    const newest = builds[0]!.id;
    const deployed = await api.call<{ id: number }>('POST', `/api/v1/builds/${newest}/deployments`, {});
    await api.waitForStatus(deployed.id, ['succeeded'], 90_000);
    await page.goto(`${server.url}/builds/${buildId}`);
    await page.getByTestId('deploy-button').getByText('Roll back').waitFor();
    await page.getByTestId('deploy-button').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Roll production back?' }).waitFor();
    expect(await dialog.textContent()).toContain(`Now there: build #${newest}`);
    await screenshot(page, 'runner-09-rollback-confirm');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  }, 180_000);

  it('shows the real runner with its version, host and linked project; pauses and resumes it', async () => {
    await page.goto(`${server.url}/runners`);
    const card = page.getByTestId('runner-real-runner');
    await card.getByText('online').first().waitFor();
    await card.getByRole('link', { name: /^e2e-/ }).waitFor();
    // the public key the runner reported, folded behind its fingerprint
    const publicKey = readFileSync(`${sshKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    await card.locator('summary', { hasText: 'SHA256:' }).click();
    expect(await card.locator('pre').textContent()).toContain(publicKey);
    await card.getByRole('button', { name: 'Pause' }).click();
    await card.getByText('paused', { exact: true }).waitFor();
    await screenshot(page, 'runner-10-runners');
    await card.getByRole('button', { name: 'Resume' }).click();
    await card.getByText('paused', { exact: true }).waitFor({ state: 'detached' });
    // a spare runner gets a new token: shown once, with the command to run
    await page.getByLabel('Name').fill('spare');
    await page.getByRole('button', { name: 'Create' }).click();
    const first = (await page.getByTestId('runner-command').textContent()) ?? '';
    await page.getByTestId('runner-spare').getByRole('button', { name: 'New token' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'New token' }).click();
    await expect.poll(() => page.getByTestId('runner-command').textContent()).not.toBe(first);
    expect(await page.getByTestId('runner-command').textContent()).toMatch(/--token prt_\S+$/);
  }, 180_000);

  it('lets the admin create a user, make them admin and disable them', async () => {
    await page.goto(`${server.url}/users`);
    await page.getByLabel('Login').fill('dev');
    await page.getByLabel('Email').fill('dev@example.test');
    await page.getByLabel('Initial password').fill('Quiet-Harbour-4821');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('User dev created.').waitFor();
    const row = page.locator('tbody tr', { hasText: 'dev@example.test' });
    await row.getByRole('combobox', { name: 'Role of dev' }).selectOption('admin');
    await row.getByRole('button', { name: 'Disable dev' }).click();
    await row.getByText('disabled', { exact: true }).waitFor();
    await screenshot(page, 'runner-11-users');
  }, 180_000);

  it('creates an API token shown once on the profile, then revokes it', async () => {
    await page.goto(`${server.url}/profile`);
    await page.getByLabel('Token name').fill('deploy-bot');
    await page
      .locator('form', { has: page.getByLabel('Token name') })
      .getByRole('button', { name: 'Create' })
      .click();
    const once = page.locator('.secret-once', { hasText: 'Token deploy-bot' });
    await once.waitFor();
    expect((await once.textContent()) ?? '').toContain('shown');
    await page.getByRole('cell', { name: 'deploy-bot', exact: true }).waitFor();
    await screenshot(page, 'runner-12-token-once');
    await page
      .locator('tr', { hasText: 'deploy-bot' })
      .getByRole('button', { name: /Revoke/ })
      .click();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /Revoke/ })
      .click();
    await page.getByRole('cell', { name: 'deploy-bot', exact: true }).waitFor({ state: 'detached' });
  }, 180_000);

  it('filters the history by user and by project', async () => {
    await page.goto(`${server.url}/history`);
    await page.getByRole('combobox', { name: /^User/ }).selectOption({ label: 'dev' });
    // dev has done nothing yet
    await page.getByText('No events match these filters.').waitFor();
    await page.getByRole('combobox', { name: /^User/ }).selectOption({ label: 'admin' });
    await page.locator('.timeline-item').first().waitFor();
    await page.getByRole('combobox', { name: /^Project/ }).selectOption({ label: 'group/webshop' });
    await page.locator('.timeline-item', { hasText: 'create' }).first().waitFor();
    await screenshot(page, 'runner-13-history-filtered');
    expect(new URL(page.url()).searchParams.get('actor_id')).toMatch(/^\d+$/);
  }, 180_000);

  it('reaches the help page and the deploy button by keyboard alone', async () => {
    await page.goto(`${server.url}/builds/${buildId}`);
    await page.getByTestId('deploy-button').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.getByTestId('deploy-button').evaluate((b) => b === b.ownerDocument.activeElement);
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('heading', { name: 'Roll production back?' }).waitFor();
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/help`);
    await page.getByRole('heading', { name: 'Getting started' }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'runner-14-help-phone');
    await page.getByRole('button', { name: 'Menu' }).click();
    await screenshot(page, 'runner-15-menu-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  }, 180_000);

  it('says in plain words when a deployment does not exist, and shows builds at phone width', async () => {
    await page.goto(`${server.url}/deployments/999999`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/not|no longer/i);
    await alert.getByRole('button', { name: 'Try again' }).waitFor();
    await screenshot(page, 'runner-16-not-found');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/projects/${projectId}/builds`);
    await page.locator('main tbody tr').first().waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'runner-17-builds-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(consoleErrors.filter((e) => !/status of 404\b/.test(e))).toEqual([]);
  }, 180_000);
});
