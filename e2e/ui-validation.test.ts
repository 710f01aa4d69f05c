import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPolytene, type PolyteneServer } from './runner-harness.js';
import {
  DEFAULT_ADMIN_PASSWORD,
  ensureBuilt,
  launchChromium,
  logInChangingPassword,
  screenshot,
  sessionApi,
  watchConsole,
} from './ui-support.js';

/** Issue 8, items 14 and 15: every problem of a form at once, next to its field, in the user's language. */
const NEW_PASSWORD = 'Ui-Valid-Passw0rd!';

let server: PolyteneServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleErrors: string[];
let projectId: number;
/** Every request the page sends that would create a branch config. */
const branchPosts: string[] = [];

/** Calls the API with the browser's own session. */
const apiCall = <T>(method: string, route: string, body?: unknown) =>
  sessionApi(context, server.url)<T>(method, route, body);

/** The field (label, control, its problems) whose label is `label`. */
function field(label: string): Locator {
  return page.locator('.field').filter({ has: page.getByText(label, { exact: true }) });
}

async function problemsOf(label: string): Promise<string[]> {
  return field(label).locator('.field-error').allTextContents();
}

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await context.newPage();
  consoleErrors = watchConsole(page);
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/v1\/projects\/\d+\/branches$/.test(r.url()))
      branchPosts.push(r.url());
  });
}, 180_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && page) {
    await screenshot(page, `failed-${context.task.name.replace(/\W+/g, '-')}`).catch(() => undefined);
    console.error(`console errors so far: ${JSON.stringify(consoleErrors)}; url ${page.url()}`);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('form validation in the browser', () => {
  it('logs in as the admin', async () => {
    await logInChangingPassword(page, server.url, 'admin', DEFAULT_ADMIN_PASSWORD, NEW_PASSWORD);
    const project = await apiCall<{ id: number }>('POST', '/api/v1/projects', {
      name: 'valid',
      clone_url: 'file:///srv/git/valid.git',
    });
    projectId = project.id;
  });

  it('the project form carries the server’s limits and shows both problems at once, next to their fields', async () => {
    await page.goto(`${server.url}/projects`);
    await page.getByRole('button', { name: 'New project' }).click();
    const name = page.getByLabel('Name', { exact: true });
    const cloneUrl = page.getByLabel('Clone URL');
    expect(await name.getAttribute('maxlength')).toBe('200');
    expect(await name.getAttribute('required')).not.toBeNull();
    expect(await cloneUrl.getAttribute('maxlength')).toBe('2000');
    expect(await page.getByLabel('Default branch').getAttribute('maxlength')).toBe('255');
    await name.fill('   ');
    await cloneUrl.fill('');
    await page.getByRole('button', { name: 'Create' }).click();
    await field('Clone URL').locator('.field-error').waitFor();
    expect(await problemsOf('Name')).toEqual(['Must not be only spaces.']);
    expect(await problemsOf('Clone URL')).toEqual(['Required.']);
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    // the server's sentences are not what the user reads
    expect(await page.locator('main').textContent()).not.toMatch(/must not be blank|must match pattern/);
    await screenshot(page, 'validation-01-project');
  });

  it('the branch form carries its limits and shows every problem at once', async () => {
    await page.goto(`${server.url}/projects/${projectId}/branches/new`);
    const branch = page.getByLabel('Branch', { exact: true });
    await branch.waitFor();
    expect(await branch.getAttribute('maxlength')).toBe('255');
    expect(await page.getByLabel('Environment').getAttribute('maxlength')).toBe('64');
    expect(await page.getByLabel('Artifacts directory').getAttribute('maxlength')).toBe('255');
    const timeout = page.getByLabel('Timeout (seconds)');
    expect([await timeout.getAttribute('min'), await timeout.getAttribute('max')]).toEqual(['1', '86400']);
    expect(await page.getByLabel('Deployment script').getAttribute('maxlength')).toBe('1000000');
    await branch.fill('main');
    await page.getByLabel('Environment').fill('pro duction');
    await page.getByLabel('Deployment script').fill('  \n   ');
    await timeout.fill('0');
    await page.getByRole('button', { name: 'Create' }).click();
    await field('Timeout (seconds)').locator('.field-error').waitFor();
    expect(await problemsOf('Deployment script')).toEqual(['Must not be only spaces.']);
    expect(await problemsOf('Timeout (seconds)')).toEqual(['Must be at least 1.']);
    // a problem the schema cannot see comes in the same answer
    expect(await problemsOf('Environment')).toEqual([
      'May hold only letters, digits, “.”, “_” and “-”, starting with a letter or digit.',
    ]);
    await screenshot(page, 'validation-02-branch');
  });

  it('a variable with a value but no name is marked on its row and nothing is sent', async () => {
    await page.getByLabel('Environment').fill('production');
    await page.getByLabel('Deployment script').fill('./deploy.sh');
    await page.getByLabel('Timeout (seconds)').fill('600');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByPlaceholder('value').fill('orphan');
    const sentBefore = branchPosts.length;
    await page.getByRole('button', { name: 'Create' }).click();
    const row = page.locator('.variable-row').first();
    await row.locator('.field-error').waitFor();
    expect(await row.locator('.field-error').allTextContents()).toEqual(['Required.']);
    expect(await page.getByPlaceholder('NAME').getAttribute('aria-invalid')).toBe('true');
    // the earlier problems of the fields are gone, the page stayed on the new form
    expect(await problemsOf('Deployment script')).toEqual([]);
    expect(new URL(page.url()).pathname).toBe(`/projects/${projectId}/branches/new`);
    expect(branchPosts.length).toBe(sentBefore);
    const { branches } = await apiCall<{ branches: unknown[] }>(
      'GET',
      `/api/v1/projects/${projectId}/branches`,
    );
    expect(branches).toEqual([]);
    await screenshot(page, 'validation-03-variable');
  });

  it('says the same problems in Polish', async () => {
    await apiCall('PATCH', '/api/v1/user', { locale: 'pl' });
    await page.goto(`${server.url}/projects/${projectId}/branches/new`);
    const branch = page.getByLabel('Gałąź', { exact: true });
    await branch.waitFor();
    await branch.fill('main');
    await page.getByLabel('Środowisko').fill('pro duction');
    await page.getByLabel('Skrypt wdrożenia').fill('   ');
    await page.getByLabel('Limit czasu (sekundy)').fill('0');
    await page.getByRole('button', { name: 'Dodaj zmienną' }).click();
    await page.getByPlaceholder('wartość').fill('orphan');
    await page.getByRole('button', { name: 'Utwórz' }).click();
    // first the form's own problem, on the row; nothing sent
    const row = page.locator('.variable-row').first();
    await row.locator('.field-error').waitFor();
    expect(await row.locator('.field-error').allTextContents()).toEqual(['To pole jest wymagane.']);
    await page.getByPlaceholder('NAZWA').fill('APP_ENV');
    await page.getByRole('button', { name: 'Utwórz' }).click();
    await field('Limit czasu (sekundy)').locator('.field-error').waitFor();
    expect(await problemsOf('Skrypt wdrożenia')).toEqual(['Nie może składać się z samych spacji.']);
    expect(await problemsOf('Limit czasu (sekundy)')).toEqual(['Musi wynosić co najmniej 1.']);
    expect(await problemsOf('Środowisko')).toEqual([
      'Może zawierać tylko litery, cyfry, „.”, „_” i „-”, zaczynając od litery lub cyfry.',
    ]);
    await screenshot(page, 'validation-04-branch-polish');

    await page.goto(`${server.url}/projects`);
    await page.getByRole('button', { name: 'Nowy projekt' }).click();
    await page.getByLabel('Nazwa', { exact: true }).fill(' ');
    await page.getByRole('button', { name: 'Utwórz' }).click();
    await field('Adres klonowania').locator('.field-error').waitFor();
    expect(await problemsOf('Nazwa')).toEqual(['Nie może składać się z samych spacji.']);
    expect(await problemsOf('Adres klonowania')).toEqual(['To pole jest wymagane.']);
  });

  it('leaves no console errors but the refused requests', () => {
    const expected = /400 \(Bad Request\)/;
    expect(consoleErrors.filter((e) => !expected.test(e))).toEqual([]);
  });
});
