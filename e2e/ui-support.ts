import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunnerRequestBody, RunnerRouteName } from '@polytene/protocol';
import { SERVER_MAIN, delay } from './runner-harness.js';
import { runnerFetch } from './support/runner-client.js';

/** UI end-to-end support: a built server and UI, Debian's chromium, screenshots, a scripted runner. */
export const WEB_INDEX = path.resolve('packages/web/dist/index.html');
export const SCREENSHOTS = path.resolve('test-results/screenshots');
export const CHROMIUM = process.env.POLYTENE_CHROMIUM ?? '/usr/bin/chromium';

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
