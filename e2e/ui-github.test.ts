import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPolytene, type PolyteneServer } from './runner-harness.js';
import {
  DEFAULT_ADMIN_PASSWORD,
  ensureBuilt,
  launchChromium,
  logInChangingPassword,
  screenshot,
  watchConsole,
} from './ui-support.js';

/**
 * The GitHub connection form (issue 11 item 6), opened by a non-loopback host name: the maintainer
 * connects a project to a repository with a token, sees the webhook URL and "token set" (never the
 * token), a repository that is not owner/name shows the error next to its field, then removes it.
 */
const HOSTNAME = 'polytene.test';
const TOKEN = 'ghp_never_shown_0123456789';

let server: PolyteneServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleErrors: string[];
let base: string;

/** Calls the API from the page (Node cannot resolve the host name the browser maps), with its session. */
async function pageApi<T>(method: string, route: string, body?: unknown): Promise<T> {
  const csrf = (await context.cookies()).find((c) => c.name === 'polytene_csrf')?.value ?? '';
  return page.evaluate(
    async ({ method, route, body, csrf }) => {
      const res = await fetch(route, {
        method,
        headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    { method, route, body, csrf },
  );
}

beforeAll(async () => {
  ensureBuilt();
  server = await startPolytene();
  base = `http://${HOSTNAME}:${server.port}`;
  browser = await launchChromium([`--host-resolver-rules=MAP ${HOSTNAME} 127.0.0.1`, '--disable-quic']);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  consoleErrors = watchConsole(page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the GitHub connection of a project in the browser', () => {
  it('is set with a token, refuses a bad repository next to its field, and is removed', async () => {
    await logInChangingPassword(page, base, 'admin', DEFAULT_ADMIN_PASSWORD, 'Github-Ui-Passw0rd!');
    const project = await pageApi<{ id: number }>('POST', '/api/v1/projects', {
      name: 'octo-shop',
      clone_url: 'https://github.com/octo-org/octo-repo.git',
    });
    await page.goto(`${base}/projects/${project.id}`);
    const form = page.getByTestId('github-connection');
    await form.getByText('Not connected to GitHub.').waitFor();

    await form.getByLabel('Repository (owner/name)').fill('octo-org/octo-repo');
    await form.getByLabel('Token').fill(TOKEN);
    await form.getByRole('button', { name: 'Connect to GitHub' }).click();
    await expect.poll(() => form.getByTestId('github-token-state').textContent()).toBe('token set');
    await page.getByText('GitHub repository: octo-org/octo-repo').waitFor();
    await page.getByText(new RegExp(`^https?://\\S+/api/v1/projects/${project.id}/hooks/github$`)).waitFor();
    expect(await form.getByLabel('Token').inputValue()).toBe('');
    expect(await page.content()).not.toContain(TOKEN);
    await screenshot(page, 'github-connected');

    await form.getByLabel('Repository (owner/name)').fill('no-slash');
    await form.getByRole('button', { name: 'Save GitHub connection' }).click();
    const error = form.locator('.field-error').first();
    await error.waitFor();
    expect(await error.textContent()).toMatch(/\S/);
    await screenshot(page, 'github-bad-repository');

    await page.setViewportSize({ width: 390, height: 844 });
    await form.scrollIntoViewIfNeeded();
    await screenshot(page, 'github-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    await form.getByRole('button', { name: 'Remove GitHub connection' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove GitHub connection' }).click();
    await form.getByText('Not connected to GitHub.').waitFor();
    const after = await pageApi<{ github: unknown; source: string }>('GET', `/api/v1/projects/${project.id}`);
    expect(after).toMatchObject({ github: null, source: 'manual' });
    await screenshot(page, 'github-removed');
    expect(consoleErrors.filter((e) => !/400|Bad Request/.test(e))).toEqual([]);
  }, 90_000);
});
