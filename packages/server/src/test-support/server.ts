import { mkdtemp, rm } from 'node:fs/promises';
import type { UserRole } from '@polytene/protocol';
import os from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { parseConfig, type ServerConfig } from '../config.js';
import { createServer, type LogStream, type RunningServer } from '../server.js';
import { DEFAULT_ADMIN } from '../auth/service.js';
import { hashPassword } from '../auth/passwords.js';
import { createTestDatabase } from './db.js';
import type { User } from '../db/schema.js';

export const TEST_PASSWORD = 'Test-Passw0rd!';

export interface TestServer extends RunningServer {
  close(): Promise<void>;
}

/** A real server on a database of its own (not listening unless the test listens). */
export async function startTestServer(
  overrides: Partial<ServerConfig> = {},
  options: { worker?: boolean; logStream?: LogStream } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'polytene-test-data-'));
  const config = parseConfig({
    port: 0,
    dataDir,
    databaseUrl: database.url,
    localRunner: false,
    logLevel: 'silent',
    loginRateLimitPerMinute: 1000,
    secretKey: 'test-secret-key-test-secret-key-test-secret-key',
    ...overrides,
  });
  const server = await createServer(config, {
    worker: options.worker ?? false,
    logger: options.logStream !== undefined,
    logStream: options.logStream,
  });
  return {
    ...server,
    close: async () => {
      await server.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The start of most test files: a server of its own, started before the file's tests (ahead of the
 * file's own beforeAll hooks) and closed after them. Its fields are there from that first hook on.
 */
export function useTestServer(
  overrides: Partial<ServerConfig> = {},
  options: { worker?: boolean; logStream?: LogStream } = {},
): TestServer {
  const server = {} as TestServer;
  beforeAll(async () => {
    Object.assign(server, await startTestServer(overrides, options));
  });
  afterAll(async () => server.close?.());
  return server;
}

/** Headers that authenticate a browser session (cookie + CSRF token). */
export interface SessionHeaders {
  [header: string]: string;
  cookie: string;
  'x-csrf-token': string;
}

export async function login(
  server: RunningServer,
  loginName: string,
  password: string,
): Promise<SessionHeaders> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/session',
    payload: { login: loginName, password },
  });
  if (res.statusCode !== 200) throw new Error(`login of ${loginName} failed: ${res.statusCode} ${res.body}`);
  return sessionHeaders(res);
}

export function sessionHeaders(res: LightMyRequestResponse): SessionHeaders {
  const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return { cookie, 'x-csrf-token': (res.json() as { csrf_token: string }).csrf_token };
}

/** Logs in as the default admin and does the forced password change; the new password is TEST_PASSWORD. */
export async function adminSession(server: RunningServer): Promise<SessionHeaders> {
  const headers = await login(server, DEFAULT_ADMIN.login, DEFAULT_ADMIN.password);
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/user/password',
    headers,
    payload: { current_password: DEFAULT_ADMIN.password, new_password: TEST_PASSWORD },
  });
  if (res.statusCode !== 204) throw new Error(`password change failed: ${res.statusCode} ${res.body}`);
  return headers;
}

/** A user straight in the database (password TEST_PASSWORD), for tests about other features. */
export async function insertUser(
  server: RunningServer,
  values: { login: string; role?: UserRole; email?: string },
): Promise<User> {
  return server.ctx.db
    .insertInto('users')
    .values({
      login: values.login,
      email: values.email ?? `${values.login}@example.test`,
      password_hash: await hashPassword(TEST_PASSWORD),
      role: values.role ?? 'member',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A user straight in the database (password TEST_PASSWORD), signed in. */
export async function signedInUser(
  server: RunningServer,
  values: { login: string; role?: UserRole; email?: string },
): Promise<{ user: User; session: SessionHeaders }> {
  const user = await insertUser(server, values);
  return { user, session: await login(server, values.login, TEST_PASSWORD) };
}

/** A personal API token for a user, as `Authorization` headers. */
export async function bearerFor(
  server: RunningServer,
  session: SessionHeaders,
): Promise<{ authorization: string }> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/v1/user/tokens',
    headers: session,
    payload: { name: 'test' },
  });
  if (res.statusCode !== 201) throw new Error(`token creation failed: ${res.statusCode} ${res.body}`);
  return { authorization: `Bearer ${(res.json() as { token: string }).token}` };
}
