import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, startPolytene, type PolyteneServer } from './runner-harness.js';
import { ScriptedRunner, ensureBuilt, launchChromium, screenshot, watchConsole } from './ui-support.js';

/**
 * Freeze windows in the browser (architecture.md §4, "Freeze windows"): a maintainer's windows in words
 * on the environment page, the "frozen until" badge, and an admin's override on the deployment page.
 */
const ADMIN_PASSWORD = 'Runner-E2e-Passw0rd';

let server: PolyteneServer;
let api: Api;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let projectId: number;
let environmentId: number;

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  api = await Api.asAdmin(server.url);
  const created = await api.createRunner('scripted');
  await new ScriptedRunner(server.url, created.token).hello();
  const project = await api.createProject('git@gitlab.example.com:team/freeze.git', created.id, {
    environment: 'production',
    deployment_script: './deploy.sh',
  });
  projectId = project.id;
  const { environments } = await api.call<{ environments: { id: number }[] }>(
    'GET',
    `/api/v1/projects/${projectId}/environments`,
  );
  environmentId = environments[0]!.id;
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
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
    await screenshot(page, `failed-freeze-${ctx.task.name.replace(/\W+/g, '-')}`).catch(() => undefined);
    console.error(`console errors so far: ${JSON.stringify(consoleErrors)}; url ${page.url()}`);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('freeze windows on the environment page', () => {
  it('adds a weekly window, shows it in words, and deletes it', async () => {
    await page.goto(`${server.url}/environments/${environmentId}`);
    const section = page.getByRole('region', { name: 'Freeze windows' });
    await section.getByText('No freeze windows').waitFor();
    await section.getByLabel('Time zone').fill('Europe/Warsaw');
    await section.getByRole('button', { name: 'Add window' }).click();
    await section.getByText('every Friday 16:00 – Monday 08:00 (Europe/Warsaw)').waitFor();

    await section.getByLabel('Time zone').fill('Mars/Olympus');
    await section.getByRole('button', { name: 'Add window' }).click();
    await section.getByText(/time zone must be an IANA time zone/).waitFor();

    await section.getByRole('button', { name: /^Delete window/ }).click();
    await section.getByText('No freeze windows').waitFor();
  });

  it('shows the badge while frozen, and lets an admin override the freeze for a waiting deployment', async () => {
    const endsAt = new Date(Date.now() + 2 * 3600_000).toISOString();
    await api.call('POST', `/api/v1/environments/${environmentId}/freeze-windows`, {
      kind: 'once',
      starts_at: new Date(Date.now() - 3600_000).toISOString(),
      ends_at: endsAt,
    });
    await page.goto(`${server.url}/environments/${environmentId}`);
    await page
      .getByTestId('frozen-badge')
      .getByText(/^frozen until /)
      .waitFor();

    const id = await api.deploy(projectId, 'f'.repeat(40));
    await page.goto(`${server.url}/deployments/${id}`);
    await page.getByRole('button', { name: 'Deploy despite the freeze' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Deploy despite the freeze' }).click();
    await dialog
      .getByText(/reason/i)
      .first()
      .waitFor();
    await dialog.getByLabel('Why must it deploy now?').fill('security hotfix');
    await dialog.getByRole('button', { name: 'Deploy despite the freeze' }).click();
    await page
      .getByTestId('freeze-overridden')
      .getByText('Freeze overridden by admin: security hotfix')
      .waitFor();
    expect(await page.getByRole('button', { name: 'Deploy despite the freeze' }).count()).toBe(0);
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${server.url}/environments/${environmentId}`);
    const section = page.getByRole('region', { name: 'Freeze windows' });
    await section.getByText(/^from .* to /).waitFor();
    await section.scrollIntoViewIfNeeded();
    const overflow = await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'freeze-phone');
    // The refused time zone and the empty reason above were answered 400 on purpose.
    expect(consoleErrors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });
});
