import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { RunnerRequestBody, RunnerRouteName } from '@polytene/protocol';
import { SERVER_MAIN, delay } from './runner-harness.js';
import { runnerFetch } from './support/runner-client.js';

/** UI end-to-end support: a built server and UI, Debian's chromium, screenshots, a scripted runner. */
export const WEB_INDEX = path.resolve('packages/web/dist/index.html');
export const SCREENSHOTS = path.resolve('test-results/screenshots');
export const CHROMIUM = process.env.POLYTENE_CHROMIUM ?? '/usr/bin/chromium';

/** The default admin's first password, which the first login must change. */
export const DEFAULT_ADMIN_PASSWORD = 'AlaMaKota2!';

/** Calls the API at `baseUrl` with the browser context's own session (cookie + CSRF header). */
export function sessionApi(context: BrowserContext, baseUrl: string) {
  return async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const cookies = await context.cookies();
    const csrf = cookies.find((c) => c.name === 'polytene_csrf')?.value ?? '';
    const res = await context.request.fetch(`${baseUrl}${route}`, {
      method,
      headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
      data: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status() >= 300)
      throw new Error(`${method} ${route} answered ${res.status()}: ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/** Logs in on the login page with a password that must be changed, changes it and waits for the dashboard. */
export async function logInChangingPassword(
  page: Page,
  baseUrl: string,
  login: string,
  password: string,
  newPassword: string,
): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByLabel('Current password').fill(password);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('New password again').fill(newPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}

/** Builds server and UI when either is missing (npm test does not build; the UI tests need both). */
export function ensureBuilt(): void {
  if (existsSync(SERVER_MAIN) && existsSync(WEB_INDEX)) return;
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
}

/** `extraArgs`: more chromium switches, e.g. `--host-resolver-rules` to reach the server by a name. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** Collects console errors and uncaught exceptions of a page. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}

export interface ScriptedJob {
  id: number;
  token: string;
  environment: string;
}

/** A runner that speaks the HTTP runner protocol from the test, so the test decides every line and when. */
export class ScriptedRunner {
  private n = 0;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  private call<N extends RunnerRouteName>(
    name: N,
    body: RunnerRequestBody<N>,
    job?: ScriptedJob,
  ): Promise<Response> {
    return runnerFetch(this.url, name, this.token, body, job);
  }

  async hello(): Promise<void> {
    const res = await this.call('hello', {
      version: '0.1.0-e2e',
      hostname: 'e2e-host',
      public_key: null,
      concurrency: 1,
    });
    if (res.status !== 200) throw new Error(`hello answered ${res.status}: ${await res.text()}`);
  }

  async takeJob(timeoutMs = 20_000): Promise<ScriptedJob> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const res = await this.call('requestJob', { wait_ms: 2_000 });
      if (res.status === 201) {
        this.n = 0;
        return (await res.json()) as ScriptedJob;
      }
      if (res.status !== 204) throw new Error(`jobs/request answered ${res.status}: ${await res.text()}`);
    }
    throw new Error('no job came');
  }

  async update(job: ScriptedJob, body: RunnerRequestBody<'updateJob'>): Promise<{ status: string }> {
    const res = await this.call('updateJob', body, job);
    if (res.status !== 200) throw new Error(`job update answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { status: string };
  }

  /** Sends lines (numbered on from the last); answers the job's control status (`canceling` = abort). */
  async log(job: ScriptedJob, lines: { text: string; stream?: 'stdout' | 'stderr' }[]): Promise<string> {
    const numbered = lines.map((l) => ({
      n: ++this.n,
      stream: l.stream ?? 'stdout',
      t: new Date().toISOString(),
      text: l.text,
    }));
    const res = await this.call('sendLog', { lines: numbered }, job);
    if (res.status !== 200) throw new Error(`log answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { status: string }).status;
  }

  async waitForControl(job: ScriptedJob, status: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.log(job, [{ text: 'still working…' }])) === status) return;
      await delay(200);
    }
    throw new Error(`the job was never told ${status}`);
  }
}
