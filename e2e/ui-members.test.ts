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
  sessionApi,
  watchConsole,
} from './ui-support.js';

/**
 * Project members in the browser (issue 8, item 13): the admin adds a user as a viewer on the project
 * page; the viewer sees no Redeploy, no Deploy and a read-only branch config; a deployer may redeploy but
 * not edit; raised to maintainer they see every control; removed, the private project is gone for them.
 */
const NEW_PASSWORD = 'Ui-E2e-Passw0rd!';
const MEMBER_PASSWORD = 'First-Passw0rd-42';
const SHA = 'b'.repeat(40);

let server: PolyteneServer;
let browser: Browser;
let adminContext: BrowserContext;
let admin: Page;
let adminErrors: string[];
let memberContext: BrowserContext;
let member: Page;
let projectId: number;
let branchId: number;
let buildId: number;
let deploymentId: number;

/** Calls the API with the browser's own session. */
const apiCall = <T>(method: string, route: string, body?: unknown) =>
  sessionApi(adminContext, server.url)<T>(method, route, body);

/** Opens `route` and waits until the page has the project (and so the caller's permissions). */
async function openWithPermissions(page: Page, route: string): Promise<void> {
  const answered = page.waitForResponse(
    (r) => new URL(r.url()).pathname === `/api/v1/projects/${projectId}` && r.request().method() === 'GET',
  );
  await page.goto(`${server.url}${route}`);
  expect((await answered).status()).toBe(200);
}

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  browser = await launchChromium();
  adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  admin = await adminContext.newPage();
  adminErrors = watchConsole(admin);
  memberContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  member = await memberContext.newPage();
  // A missing control fails the step with its locator, well before the test's own timeout.
  admin.setDefaultTimeout(10_000);
  member.setDefaultTimeout(10_000);
}, 180_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    const name = context.task.name.replace(/\W+/g, '-');
    await screenshot(admin, `members-failed-admin-${name}`).catch(() => undefined);
    await screenshot(member, `members-failed-member-${name}`).catch(() => undefined);
    console.error(`admin console errors: ${JSON.stringify(adminErrors)}; member at ${member.url()}`);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('project members in the browser', () => {
  it('sets up: the admin, a second user, a project with a branch config, a build and a finished deployment', async () => {
    await logInChangingPassword(admin, server.url, 'admin', DEFAULT_ADMIN_PASSWORD, NEW_PASSWORD);
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
    branchId = (
      await apiCall<{ id: number }>('POST', `/api/v1/projects/${projectId}/branches`, {
        branch_name: 'main',
        environment: 'production',
        deployment_script: 'echo deploying\n./deploy.sh',
        variables: [{ key: 'REGION', value: 'eu-1', secret: false }],
      })
    ).id;
    const { token } = await apiCall<{ token: string }>('POST', '/api/v1/user/tokens', { name: 'ci' });
    const res = await fetch(`${server.url}/api/v1/projects/${projectId}/builds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main', sha: SHA, status: 'success' }),
    });
    expect(res.status).toBeLessThan(300);
    buildId = ((await res.json()) as { build: { id: number } }).build.id;
    deploymentId = (
      await apiCall<{ id: number }>('POST', `/api/v1/builds/${buildId}/deployments`, {
        environment: 'production',
      })
    ).id;
    // No runner takes it: canceled while queued, it is final, and the page offers Redeploy.
    await apiCall('POST', `/api/v1/deployments/${deploymentId}/cancel`, {});
    await expect
      .poll(
        async () => (await apiCall<{ status: string }>('GET', `/api/v1/deployments/${deploymentId}`)).status,
      )
      .toBe('canceled');
    await logInChangingPassword(member, server.url, 'bea', MEMBER_PASSWORD, NEW_PASSWORD);
  });

  it('lets the admin add bea as a viewer on the project page, with clear errors for what cannot be added', async () => {
    await openWithPermissions(admin, `/projects/${projectId}`);
    const members = admin.getByTestId('members');
    await members.getByRole('heading', { name: 'Members' }).waitFor();
    await members.getByText('No members yet.').waitFor();
    // the owner is listed, without controls
    await members.getByTestId('member-admin').getByText('owner').waitFor();

    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByText('Type the username of the user to add.').waitFor();
    await members.getByLabel('Username').fill('nobody');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByText('There is no active user named nobody.').waitFor();
    await members.getByLabel('Username').fill('admin');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByText('admin owns this project and may do everything already.').waitFor();

    await members.getByLabel('Username').fill('bea');
    await members.getByLabel('Role', { exact: true }).selectOption('viewer');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByText('bea is now a member.').waitFor();
    const row = members.getByTestId('member-bea');
    await row.getByText('Bea Builder').waitFor();
    expect(await row.getByLabel('Role of bea').inputValue()).toBe('viewer');

    await members.getByLabel('Username').fill('bea');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByText('bea is a member already; change their role in the list.').waitFor();
    await members.scrollIntoViewIfNeeded();
    await members.screenshot({ path: path.join(SCREENSHOTS, 'members-01-section.png') });
    await screenshot(admin, 'members-02-project-admin');
  });

  it('shows the viewer no Deploy, Redeploy, settings or members, and the branch config read only', async () => {
    await openWithPermissions(member, `/projects/${projectId}`);
    await member.getByRole('heading', { name: 'shop' }).waitFor();
    await member.getByRole('link', { name: 'main' }).waitFor();
    expect(await member.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await member.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await member.getByRole('link', { name: 'Add branch config' }).count()).toBe(0);
    expect(await member.getByTestId('members').count()).toBe(0);
    await screenshot(member, 'members-03-project-viewer');

    await openWithPermissions(member, `/projects/${projectId}/branches/${branchId}`);
    await member.getByTestId('branch-read-only').waitFor();
    expect(await member.getByTestId('branch-script').textContent()).toBe('echo deploying\n./deploy.sh');
    await member.getByText('eu-1').waitFor();
    expect(await member.getByRole('textbox').count()).toBe(0);
    expect(await member.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await screenshot(member, 'members-04-branch-read-only');

    await openWithPermissions(member, `/deployments/${deploymentId}`);
    await member.getByTestId('deployment-status').getByText('canceled').waitFor();
    expect(await member.getByRole('button', { name: 'Redeploy' }).count()).toBe(0);
    await screenshot(member, 'members-05-deployment-viewer');

    await openWithPermissions(member, `/builds/${buildId}`);
    await member.getByText('Raw CI payload').waitFor();
    expect(await member.getByTestId('deploy-button').count()).toBe(0);
  });

  it('lets the admin make bea a deployer: she may redeploy, but the branch config stays read only', async () => {
    await changeRole('deployer');
    await openWithPermissions(member, `/deployments/${deploymentId}`);
    await member.getByRole('button', { name: 'Redeploy' }).waitFor();
    await openWithPermissions(member, `/projects/${projectId}/branches/${branchId}`);
    await member.getByTestId('branch-read-only').waitFor();
    expect(await member.getByRole('button', { name: 'Save' }).count()).toBe(0);
  });

  it('lets the admin raise bea to maintainer, and then bea sees the controls', async () => {
    await changeRole('maintainer');

    await openWithPermissions(member, `/deployments/${deploymentId}`);
    await member.getByRole('button', { name: 'Redeploy' }).waitFor();

    await openWithPermissions(member, `/builds/${buildId}`);
    await member.getByTestId('deploy-button').waitFor();

    await openWithPermissions(member, `/projects/${projectId}/branches/${branchId}`);
    await member.getByLabel('Deployment script').waitFor();
    await member.getByRole('button', { name: 'Save' }).waitFor();
    expect(await member.getByTestId('branch-read-only').count()).toBe(0);

    await openWithPermissions(member, `/projects/${projectId}`);
    await member.getByRole('button', { name: 'Edit' }).waitFor();
    await member.getByRole('link', { name: 'Add branch config' }).waitFor();
    const row2 = member.getByTestId('members').getByTestId('member-bea');
    expect(await row2.getByLabel('Role of bea').inputValue()).toBe('maintainer');
    await screenshot(member, 'members-06-project-maintainer');
  });

  it('lets the admin remove bea, after which the private project is gone for her', async () => {
    await admin.getByRole('button', { name: 'Remove bea' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Remove bea from shop?' }).waitFor();
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await admin.getByTestId('members').getByText('No members yet.').waitFor();
    expect(await admin.getByTestId('member-bea').count()).toBe(0);

    await member.goto(`${server.url}/projects/${projectId}`);
    await member.getByText('This does not exist, or you may not see it.').waitFor();
    expect(adminErrors.filter((e) => !/status of 40(0|9)/.test(e))).toEqual([]);
  });
});

/** Picks bea's role in the admin's member list and waits for the server to take it. */
async function changeRole(role: string): Promise<void> {
  const beaId = await memberId('bea');
  const changed = admin.waitForResponse(
    (r) => r.request().method() === 'PATCH' && r.url().endsWith(`/members/${beaId}`),
  );
  await admin.getByTestId('member-bea').getByLabel('Role of bea').selectOption(role);
  expect((await changed).status()).toBe(200);
}

async function memberId(login: string): Promise<number> {
  const { members } = await apiCall<{ members: { user: { id: number; login: string } }[] }>(
    'GET',
    `/api/v1/projects/${projectId}/members`,
  );
  const id = members.find((m) => m.user.login === login)?.user.id;
  if (id === undefined) throw new Error(`${login} is not a member`);
  return id;
}
