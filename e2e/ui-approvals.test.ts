import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPolytene, type PolyteneServer } from './runner-harness.js';
import {
  DEFAULT_ADMIN_PASSWORD,
  SCREENSHOTS,
  ensureBuilt,
  launchChromium,
  logInChangingPassword,
  screenshot,
  watchConsole,
} from './ui-support.js';

/**
 * Approvals in the browser (issue 10 item 3), opened by a host name as a team does: the admin makes
 * production require one approval on the environment page, deploys there, and the deployment waits; a
 * second user opens it, approves it with a comment and sees it queued.
 */
const HOSTNAME = 'approvals.test';
const NEW_PASSWORD = 'Ui-E2e-Passw0rd!';
const MEMBER_PASSWORD = 'First-Passw0rd-42';

let server: PolyteneServer;
let base: string;
let browser: Browser;
let admin: Page;
let memberContext: BrowserContext;
let member: Page;
let memberErrors: string[];
let projectId: number;
let environmentId: number;
let deploymentId: number;

/**
 * Calls the API from the admin's page: the browser resolves the host name (the test process cannot) and
 * sends the session cookie of that host, with the CSRF header the UI sends.
 */
async function apiCall<T>(method: string, route: string, body?: unknown): Promise<T> {
  const cookies = await admin.context().cookies();
  const csrf = cookies.find((c) => c.name === 'polytene_csrf')?.value ?? '';
  const answer = await admin.evaluate(
    async ({ method, route, body, csrf }) => {
      const res = await fetch(route, {
        method,
        headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    },
    { method, route, body, csrf },
  );
  if (answer.status >= 300) throw new Error(`${method} ${route} answered ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as T;
}

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  base = `http://${HOSTNAME}:${server.port}`;
  browser = await launchChromium([`--host-resolver-rules=MAP ${HOSTNAME} 127.0.0.1`, '--disable-quic']);
  admin = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  memberContext = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
  member = await memberContext.newPage();
  memberErrors = watchConsole(member);
  admin.setDefaultTimeout(15_000);
  member.setDefaultTimeout(15_000);
}, 180_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    await screenshot(admin, 'approvals-failed-admin').catch(() => undefined);
    await screenshot(member, 'approvals-failed-member').catch(() => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('approving a deployment in the browser', () => {
  it('sets up a project whose production environment requires one approval, set on its page', async () => {
    await logInChangingPassword(admin, base, 'admin', DEFAULT_ADMIN_PASSWORD, NEW_PASSWORD);
    await apiCall('POST', '/api/v1/users', {
      login: 'bea',
      email: 'bea@example.test',
      name: 'Bea Builder',
      password: MEMBER_PASSWORD,
    });
    projectId = (
      await apiCall<{ id: number }>('POST', '/api/v1/projects', {
        name: 'shop',
        clone_url: 'git@gitlab.example.com:team/shop.git',
      })
    ).id;
    await apiCall('POST', `/api/v1/projects/${projectId}/members`, { login: 'bea', role: 'deployer' });
    await apiCall('POST', `/api/v1/projects/${projectId}/branches`, {
      branch_name: 'main',
      environment: 'production',
      deployment_script: 'echo deploying',
    });
    const { environments } = await apiCall<{ environments: { id: number; name: string }[] }>(
      'GET',
      `/api/v1/projects/${projectId}/environments`,
    );
    environmentId = environments.find((e) => e.name === 'production')?.id ?? 0;
    expect(environmentId).toBeGreaterThan(0);

    await admin.goto(`${base}/environments/${environmentId}`);
    const protection = admin.getByTestId('environment-protection');
    await protection.getByRole('heading', { name: 'Protection' }).waitFor();
    await protection.getByLabel('Approvals required').fill('1');
    await protection.getByRole('button', { name: 'Save' }).click();
    await protection.getByText('Saved.').waitFor();
    await protection.scrollIntoViewIfNeeded();
    await protection.screenshot({ path: path.join(SCREENSHOTS, 'approvals-00-protection.png') });
    const env = await apiCall<{ required_approvals: number }>('GET', `/api/v1/environments/${environmentId}`);
    expect(env.required_approvals).toBe(1);
  });

  it('makes the admin’s deployment wait, and lets bea approve it on its page until it is queued', async () => {
    const { token } = await apiCall<{ token: string }>('POST', '/api/v1/user/tokens', { name: 'ci' });
    const res = await fetch(`${server.url}/api/v1/projects/${projectId}/builds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main', sha: 'c'.repeat(40), status: 'success' }),
    });
    expect(res.status).toBeLessThan(300);
    const buildId = ((await res.json()) as { build: { id: number } }).build.id;
    const created = await apiCall<{ id: number; status: string }>(
      'POST',
      `/api/v1/builds/${buildId}/deployments`,
      {
        environment: 'production',
      },
    );
    expect(created.status).toBe('awaiting_approval');
    deploymentId = created.id;

    // The admin started it: the panel says someone else must approve, and offers no buttons.
    await admin.goto(`${base}/deployments/${deploymentId}`);
    const own = admin.getByTestId('approvals');
    await own.getByText('You started this deployment: someone else must approve it.').waitFor();
    expect(await own.getByRole('button', { name: 'Approve' }).count()).toBe(0);

    await logInChangingPassword(member, base, 'bea', MEMBER_PASSWORD, NEW_PASSWORD);
    await member.goto(`${base}/deployments/${deploymentId}`);
    await member.getByTestId('deployment-status').getByText('awaiting approval').waitFor();
    const panel = member.getByTestId('approvals');
    await panel.getByText('0 of 1 approvals').waitFor();
    await panel.getByLabel('Comment (optional)').fill('checked the release notes');
    await screenshot(member, 'approvals-01-awaiting-phone');
    await panel.getByRole('button', { name: 'Approve' }).click();
    await member.getByTestId('deployment-status').getByText('queued').waitFor();
    await panel.getByText('1 of 1 approvals').waitFor();
    await panel.getByText('checked the release notes').waitFor();
    expect(await panel.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await screenshot(member, 'approvals-02-approved-phone');
    const after = await apiCall<{ status: string }>('GET', `/api/v1/deployments/${deploymentId}`);
    expect(after.status).toBe('queued');
    expect(memberErrors).toEqual([]);
  }, 90_000);
});
