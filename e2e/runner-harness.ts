import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../packages/server/src/db/embedded.js';
import { createTestDatabase } from '../packages/server/src/test-support/db.js';

/** Real processes for the runner end-to-end tests: the built server (dist/main.js) and the built runner CLI. */
export const SERVER_MAIN = path.resolve('packages/server/dist/main.js');
export const RUNNER_CLI = path.resolve('packages/runner/dist/polytene-runner.mjs');
const DEFAULT_PASSWORD = 'AlaMaKota2!';
const PASSWORD = 'Runner-E2e-Passw0rd';

export class ManagedProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the output contains `text`; rejects when the process exits first or time runs out. */
  async waitFor(text: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (!this.running) throw new Error(`process exited before printing "${text}":\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${this.output}`);
      await delay(50);
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }
}

export interface PolyteneServer {
  url: string;
  port: number;
  dataDir: string;
  process: ManagedProcess;
  /** Starts the server again on the same port and database (after stop or kill). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startPolytene(env: Record<string, string> = {}): Promise<PolyteneServer> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'polytene-e2e-data-'));
  const port = await findFreePort();
  const launch = async () => {
    const child = spawn(process.execPath, [SERVER_MAIN], {
      env: {
        ...process.env,
        POLYTENE_DATA_DIR: dataDir,
        POLYTENE_PORT: String(port),
        POLYTENE_DATABASE_URL: database.url,
        POLYTENE_LOCAL_RUNNER: 'false',
        POLYTENE_LOG_LEVEL: 'warn',
        POLYTENE_SECRET_KEY: 'runner-e2e-secret-key-runner-e2e-secret-key',
        POLYTENE_LOGIN_RATE_LIMIT: '1000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const managed = new ManagedProcess(child);
    await managed.waitFor('Polytene is running', 60_000);
    return managed;
  };
  const server: PolyteneServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    process: await launch(),
    restart: async () => {
      server.process = await launch();
    },
    close: async () => {
      await server.process.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** The REST API as the admin, with a personal API token. */
export class Api {
  private constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  static asAdmin(url: string): Promise<Api> {
    return Api.firstLogin(url, 'admin', DEFAULT_PASSWORD);
  }

  /**
   * Logs in a person whose password must be changed first (the admin's default one, or one an admin
   * set), changes it to PASSWORD and answers the API with a new personal token.
   */
  static async firstLogin(url: string, login: string, password: string): Promise<Api> {
    const session = await fetch(`${url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login, password }),
    });
    if (session.status !== 200)
      throw new Error(`${login} login failed: ${session.status} ${await session.text()}`);
    const cookie = session.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrf_token } = (await session.json()) as { csrf_token: string };
    const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf_token };
    const change = await fetch(`${url}/api/v1/user/password`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ current_password: password, new_password: PASSWORD }),
    });
    if (change.status !== 204)
      throw new Error(`password change failed: ${change.status} ${await change.text()}`);
    const created = await fetch(`${url}/api/v1/user/tokens`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'runner-e2e' }),
    });
    const { token } = (await created.json()) as { token: string };
    return new Api(url, token);
  }

  /** A new member account (as the admin), logged in with its own token. */
  async createUser(login: string): Promise<{ id: number; api: Api }> {
    const password = 'First-Passw0rd-Given';
    const user = await this.call<{ id: number }>('POST', '/api/v1/users', {
      login,
      email: `${login}@example.com`,
      password,
    });
    return { id: user.id, api: await Api.firstLogin(this.url, login, password) };
  }

  async call<T>(method: string, route: string, body?: unknown, expected = [200, 201, 204]): Promise<T> {
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!expected.includes(res.status)) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** The project's environment called `name` (a branch config's is created with it). */
  async environment(projectId: number, name: string): Promise<{ id: number; name: string }> {
    const { environments } = await this.call<{ environments: { id: number; name: string }[] }>(
      'GET',
      `/api/v1/projects/${projectId}/environments`,
    );
    const found = environments.find((e) => e.name === name);
    if (!found) throw new Error(`project ${projectId} has no environment ${name}`);
    return found;
  }

  createRunner(name: string, shared = false): Promise<{ id: number; token: string }> {
    return this.call('POST', '/api/v1/runners', { name, shared });
  }

  /** A project on `runnerId` with a manual branch config for main. */
  async createProject(
    cloneUrl: string,
    runnerId: number,
    branch: {
      deployment_script: string;
      timeout_seconds?: number;
      variables?: { key: string; value: string; secret?: boolean }[];
      environment?: string;
    },
  ): Promise<{ id: number }> {
    const project = await this.call<{ id: number }>('POST', '/api/v1/projects', {
      name: `e2e-${Math.random().toString(36).slice(2, 8)}`,
      clone_url: cloneUrl,
      runner_id: runnerId,
    });
    await this.call('POST', `/api/v1/projects/${project.id}/branches`, {
      branch_name: 'main',
      deployment_type: 'manual',
      ...branch,
    });
    return project;
  }

  /** Reports a successful build of `sha` and deploys it; answers the deployment id. */
  async deploy(projectId: number, sha: string): Promise<number> {
    const intake = await this.call<{ build: { id: number } }>(
      'POST',
      `/api/v1/projects/${projectId}/builds`,
      {
        ref: 'main',
        sha,
        status: 'success',
        external_id: `e2e-${sha.slice(0, 8)}-${Math.random().toString(36).slice(2, 6)}`,
      },
    );
    const deployment = await this.call<{ id: number }>(
      'POST',
      `/api/v1/builds/${intake.build.id}/deployments`,
      {},
    );
    return deployment.id;
  }

  deployment(id: number): Promise<DeploymentState> {
    return this.call('GET', `/api/v1/deployments/${id}`);
  }

  async waitForStatus(id: number, statuses: string[], timeoutMs = 60_000): Promise<DeploymentState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.deployment(id);
      if (statuses.includes(state.status)) return state;
      if (Date.now() > deadline) throw new Error(`deployment ${id} is still ${JSON.stringify(state)}`);
      await delay(200);
    }
  }

  /** Every stored log line, page by page. */
  async log(id: number): Promise<LogLineView[]> {
    const lines: LogLineView[] = [];
    for (;;) {
      const after = lines[lines.length - 1]?.n ?? 0;
      const page = await this.call<{ lines: LogLineView[] }>(
        'GET',
        `/api/v1/deployments/${id}/log?after=${after}&limit=10000`,
      );
      if (page.lines.length === 0) return lines;
      lines.push(...page.lines);
    }
  }

  async waitForLog(id: number, text: string, timeoutMs = 30_000): Promise<LogLineView[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = await this.log(id);
      if (lines.some((l) => l.text.includes(text))) return lines;
      if (Date.now() > deadline)
        throw new Error(`no "${text}" in the log of ${id}: ${JSON.stringify(lines)}`);
      await delay(200);
    }
  }
}

export interface DeploymentState {
  id: number;
  status: string;
  failure_reason: string | null;
  exit_code: number | null;
  last_log_n: number;
}

export interface LogLineView {
  n: number;
  stream: 'stdout' | 'stderr' | 'system';
  t: string;
  text: string;
}

/** `polytene-runner start` in the foreground, waiting until it has said hello. */
export async function startRunnerProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<ManagedProcess> {
  const runner = runRunnerCli(['start', ...args], env);
  await runner.waitFor('connected to');
  return runner;
}

export function runRunnerCli(args: string[], env: Record<string, string> = {}, uid?: number): ManagedProcess {
  const child = spawn(process.execPath, [RUNNER_CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    uid,
  });
  return new ManagedProcess(child);
}

/** A server, its admin's API and one real runner process registered as `name`, working under `dir`. */
export async function startWithRunner(
  name: string,
  dir: string,
): Promise<{ server: PolyteneServer; api: Api; runner: ManagedProcess; runnerId: number }> {
  const server = await startPolytene();
  const api = await Api.asAdmin(server.url);
  const created = await api.createRunner(name);
  const runner = await startRunnerProcess([
    '--url',
    server.url,
    '--token',
    created.token,
    '--work-dir',
    path.join(dir, 'work'),
  ]);
  return { server, api, runner, runnerId: created.id };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * An OpenSSH server on 127.0.0.1 with its own host key (made fresh in `dir`), letting in the holder of
 * `authorizedKey`; on `port` when given (to stand in for a host whose key changed).
 */
export async function startSshd(
  dir: string,
  authorizedKey: string,
  port?: number,
): Promise<{ port: number; user: string; stop(): Promise<void> }> {
  const { execFileSync } = await import('node:child_process');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync('/run/sshd', { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_ed25519')]);
  writeFileSync(path.join(dir, 'authorized_keys'), `${authorizedKey}\n`, { mode: 0o600 });
  port ??= await findFreePort();
  const config = path.join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_ed25519')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const sshd = new ManagedProcess(
    spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const { connect } = await import('node:net');
  for (let attempt = 0; ; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    if (!sshd.running || attempt > 100) throw new Error(`sshd did not start:\n${sshd.output}`);
    await delay(50);
  }
  return { port, user: os.userInfo().username, stop: () => sshd.stop() };
}
