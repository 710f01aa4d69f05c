import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, startPolytene, type PolyteneServer } from './runner-harness.js';
import {
  ScriptedRunner,
  ensureBuilt,
  launchChromium,
  screenshot,
  watchConsole,
  type ScriptedJob,
} from './ui-support.js';

/**
 * Small UI fixes of issue 8 (items 12 and 16), each seen in the browser against a real server, with a
 * scripted runner so the test decides every log line.
 */
/** The admin password `Api.asAdmin` sets (see runner-harness.ts). */
const ADMIN_PASSWORD = 'Runner-E2e-Passw0rd';
const MEMBER_PASSWORD = 'Member-E2e-Passw0rd!';

let server: PolyteneServer;
let api: Api;
let runner: ScriptedRunner;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleErrors: string[];
let projectId: number;
let sha = 0;

function nextSha(): string {
  sha += 1;
  return sha.toString(16).padStart(40, 'c');
}

/** Deploys a new build and lets the scripted runner take it and start it. */
async function runningDeployment(): Promise<{ id: number; job: ScriptedJob }> {
  const id = await api.deploy(projectId, nextSha());
  const job = await runner.takeJob();
  expect(job.id).toBe(id);
  await runner.update(job, { status: 'running' });
  return { id, job };
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function boxOf(selector: string): Promise<Box | null> {
  const handle = await page.$(selector);
  return handle ? handle.boundingBox() : null;
}

/** Whether `inner` lies wholly inside `outer` (vertically), give or take half a pixel. */
function within(inner: Box | null, outer: Box | null): boolean {
  if (!inner || !outer) return false;
  return inner.y >= outer.y - 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5;
}

/** Logs a new user in over the API and sets their own password; answers headers for their session. */
async function sessionOf(login: string, first: string, password: string): Promise<Record<string, string>> {
  const res = await fetch(`${server.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: first }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { csrf_token } = (await res.json()) as { csrf_token: string };
  const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf_token };
  const change = await fetch(`${server.url}/api/v1/user/password`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ current_password: first, new_password: password }),
  });
  expect(change.status).toBe(204);
  return headers;
}

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  api = await Api.asAdmin(server.url);
  const created = await api.createRunner('scripted');
  runner = new ScriptedRunner(server.url, created.token);
  await runner.hello();
  const project = await api.createProject('git@gitlab.example.com:team/small.git', created.id, {
    environment: 'production',
    deployment_script: './deploy.sh',
  });
  projectId = project.id;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  page = await context.newPage();
  consoleErrors = watchConsole(page);
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Login').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}, 180_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    await screenshot(page, `failed-small-${ctx.task.name.replace(/\W+/g, '-')}`).catch(() => undefined);
    console.error(`console errors so far: ${JSON.stringify(consoleErrors)}; url ${page.url()}`);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('log search (issue 8, item 12)', () => {
  it('brings a hit near the end of a 240-line log into view and keeps the search', async () => {
    const { id, job } = await runningDeployment();
    const lines = Array.from({ length: 238 }, (_, i) => ({ text: `step ${i + 1} of 238` }));
    await runner.log(job, lines);
    await runner.log(job, [{ text: 'Deployed successfully' }, { text: 'cleaning up' }]);
    await runner.update(job, { status: 'succeeded', exit_code: 0 });

    await page.goto(`${server.url}/deployments/${id}`);
    await page.getByTestId('outcome').getByText('exit code 0').waitFor();
    const log = page.getByTestId('log');
    await expect.poll(() => log.getAttribute('data-rows')).toBe('240');
    // Start away from the tail, as a reader would: at the top of the log.
    // (strings: this file is type-checked without the DOM library)
    await page.evaluate(`document.querySelector('[data-testid="log"]').scrollTop = 0`);
    await page.locator('.log-row[data-n="1"]').waitFor();

    await page.getByRole('searchbox').fill('Deployed successfully');
    await page.getByRole('search').getByText('1 of 1').waitFor();
    const hit = '.log-row.log-current[data-n="239"]';
    await page.locator(hit).locator('mark').waitFor();
    await expect
      .poll(async () => within(await boxOf(hit), await boxOf('[data-testid="log"]')), { timeout: 5_000 })
      .toBe(true);
    await screenshot(page, 'small-01-log-search-end');
    // The jump did not count as "back at the tail": the search and its counter are still there.
    expect(await page.getByRole('searchbox').inputValue()).toBe('Deployed successfully');
    expect(await page.getByRole('search').getByText('1 of 1').count()).toBe(1);
    expect(within(await boxOf(hit), await boxOf('[data-testid="log"]'))).toBe(true);

    // The reader's own scrolling still stops and starts following the tail.
    await page.getByRole('searchbox').fill('');
    const follow = page.getByRole('button', { name: 'Follow' });
    await page.evaluate(`document.querySelector('[data-testid="log"]').scrollTop = 0`);
    await expect.poll(() => follow.getAttribute('aria-pressed')).toBe('false');
    await page.evaluate(`document.querySelector('[data-testid="log"]').scrollTop = 1e9`);
    await expect.poll(() => follow.getAttribute('aria-pressed')).toBe('true');
  }, 120_000);
});

describe('small fixes (issue 8, item 16)', () => {
  it('(a) the help page shows API tokens with the prefix the server really gives them', async () => {
    const { token } = await api.call<{ token: string }>('POST', '/api/v1/user/tokens', { name: 'help' });
    const prefix = `${token.split('_')[0] ?? ''}_`;
    expect(prefix).toBe('pt_');
    await page.goto(`${server.url}/help`);
    await page.getByRole('heading', { name: 'Tell Polytene about builds' }).waitFor();
    const examples = (await page.locator('pre.code-block').allTextContents()).join('\n');
    const bearers = [...examples.matchAll(/Authorization: Bearer (\w+_)/g)].map((m) => m[1]);
    expect(bearers).toEqual([prefix]);
    await page.locator('pre.code-block', { hasText: 'Bearer' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'small-02-help-token');
  });

  it('(d) a failed deployment’s banner gives the reason once, in words, in English and Polish', async () => {
    const { id, job } = await runningDeployment();
    await runner.log(job, [{ text: './deploy.sh: line 3: rsync: command not found', stream: 'stderr' }]);
    await runner.update(job, {
      status: 'failed',
      failure_reason: 'script_failure',
      exit_code: 127,
      message: 'failed with exit code 127',
    });
    await page.goto(`${server.url}/deployments/${id}`);
    const outcome = page.getByTestId('outcome');
    await outcome.getByText('failed', { exact: true }).waitFor();
    await outcome.getByText('The deployment script exited with code 127.', { exact: true }).waitFor();
    const text = (await outcome.textContent()) ?? '';
    // "failed" once (the status), the exit code once (in the sentence): not badge, reason and message
    expect(text.match(/fail/gi) ?? []).toHaveLength(1);
    expect(text.match(/127/g) ?? []).toHaveLength(1);
    await screenshot(page, 'small-03-failed-banner');

    const savedPl = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === '/api/v1/user',
    );
    await page.getByTestId('language').selectOption('pl');
    expect((await savedPl).status()).toBe(200);
    await outcome.getByText('Skrypt wdrożenia zakończył się kodem wyjścia 127.', { exact: true }).waitFor();
    expect(((await outcome.textContent()) ?? '').match(/127/g) ?? []).toHaveLength(1);
    await screenshot(page, 'small-04-failed-banner-pl');
    // the choice is saved to the profile: wait for it, so the next page loads in English
    const saved = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && new URL(r.url()).pathname === '/api/v1/user',
    );
    await page.getByTestId('language').selectOption('en');
    expect((await saved).status()).toBe(200);
    await page.getByRole('heading', { name: `Deployment #${id}` }).waitFor();
  });

  it('(d) the runner’s own words stay when they tell more than the reason (what went wrong preparing)', async () => {
    const { id, job } = await runningDeployment();
    await runner.update(job, {
      status: 'failed',
      failure_reason: 'runner_error',
      exit_code: null,
      message: 'git fetch failed (exit 128): repository not found',
    });
    await page.goto(`${server.url}/deployments/${id}`);
    const outcome = page.getByTestId('outcome');
    await outcome.getByText('The runner could not prepare the checkout.', { exact: true }).waitFor();
    await outcome.getByText('git fetch failed (exit 128): repository not found').waitFor();
    await screenshot(page, 'small-05-runner-error-banner');
  });

  it('(b) “Your deployments” on the dashboard counts only the logged-in user’s deployments', async () => {
    await page.goto(`${server.url}/`);
    const legend = page.getByRole('region', { name: 'Your deployments' }).locator('.chart-legend');
    await legend.getByText(/Succeeded: \d+/).waitFor();
    const before = await legend.textContent();

    // Another user, a member of the same project, deploys there and it succeeds.
    const mia = await api.call<{ id: number }>('POST', '/api/v1/users', {
      login: 'mia',
      email: 'mia@example.test',
      password: 'First-Passw0rd-42',
    });
    await api.call('PUT', `/api/v1/projects/${projectId}/members/${mia.id}`);
    const miaHeaders = await sessionOf('mia', 'First-Passw0rd-42', MEMBER_PASSWORD);
    const intake = await api.call<{ build: { id: number } }>('POST', `/api/v1/projects/${projectId}/builds`, {
      ref: 'main',
      sha: nextSha(),
      status: 'success',
      external_id: 'small-mia-1',
    });
    const res = await fetch(`${server.url}/api/v1/builds/${intake.build.id}/deployments`, {
      method: 'POST',
      headers: miaHeaders,
      body: '{}',
    });
    expect(res.status).toBe(201);
    const job = await runner.takeJob();
    await runner.update(job, { status: 'running' });
    await runner.update(job, { status: 'succeeded', exit_code: 0 });
    expect((await api.deployment(job.id)).status).toBe('succeeded');

    // The admin's count stays as it was…
    await page.reload();
    await legend.getByText(/Succeeded: \d+/).waitFor();
    expect(await legend.textContent()).toBe(before);
    await screenshot(page, 'small-09-dashboard-admin');
    // …and Mia's shows her one deployment, not the admin's.
    const miaContext = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
    try {
      const miaPage = await miaContext.newPage();
      await miaPage.goto(`${server.url}/login`);
      await miaPage.getByLabel('Login').fill('mia');
      await miaPage.getByLabel('Password').fill(MEMBER_PASSWORD);
      await miaPage.getByRole('button', { name: 'Log in' }).click();
      await miaPage.getByRole('heading', { name: 'Dashboard' }).waitFor();
      const miaLegend = miaPage.getByRole('region', { name: 'Your deployments' }).locator('.chart-legend');
      await miaLegend.getByText('Succeeded: 1', { exact: true }).waitFor();
      await miaLegend.getByText('Failed: 0', { exact: true }).waitFor();
      await screenshot(miaPage, 'small-10-dashboard-member');
    } finally {
      await miaContext.close();
    }
  });

  it('(c) at phone width (375×667) the dashboard and the profile fit; tables scroll in their own box', async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 667 },
      locale: 'en-GB',
      storageState: await context.storageState(),
    });
    const small = await phone.newPage();
    const errors = watchConsole(small);
    try {
      // (strings: this file is type-checked without the DOM library)
      const pageWidth = () => small.evaluate<number>('document.scrollingElement.scrollWidth');
      /**
       * For the failure message: elements past the right edge that no scrolling box holds in: outside one,
       * or absolutely placed against something outside it (such an element escapes the box's overflow).
       */
      const sticking = () =>
        small.evaluate<string[]>(`[...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > 375.5
            && (!e.closest('.table-wrap') || (getComputedStyle(e).position === 'absolute'
              && !(e.offsetParent && e.offsetParent.closest('.table-wrap')))))
          .slice(0, 5).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`);
      const expectToFit = async () => {
        expect(await sticking()).toEqual([]);
        expect(await pageWidth()).toBeLessThanOrEqual(375);
      };
      /** The page's (first) table is wider than the phone and scrolls inside its own box, on screen. */
      const expectTableToScrollInside = async () => {
        const el = `document.querySelector('.table-wrap')`;
        const wrap = await small.evaluate<{
          overflowX: string;
          scroll: number;
          client: number;
          right: number;
        }>(
          `({ overflowX: getComputedStyle(${el}).overflowX, scroll: ${el}.scrollWidth,
            client: ${el}.clientWidth, right: ${el}.getBoundingClientRect().right })`,
        );
        expect(['auto', 'scroll']).toContain(wrap.overflowX);
        expect(wrap.scroll).toBeGreaterThan(wrap.client);
        expect(wrap.right).toBeLessThanOrEqual(375);
        await small.evaluate(`${el}.scrollLeft = ${el}.scrollWidth`);
        await expect.poll(() => small.evaluate<number>(`${el}.scrollLeft`)).toBeGreaterThan(0);
        await expectToFit();
      };

      await small.goto(`${server.url}/`);
      await small.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await small.locator('.table-wrap tbody tr').first().waitFor();
      await screenshot(small, 'small-06-phone-dashboard');
      await expectToFit();
      await expectTableToScrollInside();
      await screenshot(small, 'small-07-phone-dashboard-scrolled');

      await small.goto(`${server.url}/profile`);
      await small.getByRole('heading', { name: 'Profile' }).waitFor();
      const tokens = small.locator('.table-wrap').first();
      await tokens.locator('tbody tr').first().waitFor();
      await tokens.scrollIntoViewIfNeeded();
      await screenshot(small, 'small-08-phone-profile');
      await expectToFit();
      await expectTableToScrollInside();
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
