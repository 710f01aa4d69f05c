import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  generateKey,
  parseRunnerConfig,
  startRunner,
  type Logger,
  type RunningRunner,
} from '@polytene/runner';
import { RUNNER_TOKEN_PREFIX } from '@polytene/protocol';
import type { RunningServer } from './server.js';
import { DEFAULT_ADMIN } from './auth/service.js';
import { hashToken, newToken } from './secrets.js';

export const LOCAL_RUNNER_NAME = 'local';
/** On Ctrl-C the built-in runner lets a running deployment finish this long, then stops and reports it. */
const LOCAL_SHUTDOWN_GRACE_SECONDS = 10;

/**
 * The built-in runner of `npm start` (POLYTENE_LOCAL_RUNNER): a runner row named `local` owned by the
 * admin, whose token lives in `<dataDir>/local-runner.token` (mode 0600; only its hash is in the
 * database), run in this process by the same code as `polytene-runner`, with its work dir and SSH key
 * under `<dataDir>/runner`. Null when the setting is off.
 */
export async function startLocalRunner(server: RunningServer): Promise<RunningRunner | null> {
  if (!server.ctx.config.localRunner) return null;
  try {
    return await startIn(server);
  } catch (error) {
    server.app.log.error(`the built-in runner "${LOCAL_RUNNER_NAME}" could not start: ${String(error)}`);
    return null;
  }
}

async function startIn(server: RunningServer): Promise<RunningRunner> {
  const { config } = server.ctx;
  const token = await ensureLocalRunner(server);
  const workDir = path.resolve(config.dataDir, 'runner');
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const sshKey = await ensureKey(path.join(workDir, 'id_ed25519'));
  const address = server.app.server.address() as AddressInfo;
  const runnerConfig = parseRunnerConfig({
    url: `http://127.0.0.1:${address.port}`,
    token,
    workDir,
    sshKey: sshKey ?? undefined,
    concurrency: 1,
    shutdownGraceSeconds: LOCAL_SHUTDOWN_GRACE_SECONDS,
  });
  return startRunner(runnerConfig, {
    logger: loggerOf(server),
    helloRetry: { attempts: 5, initialDelayMs: 200, maxDelayMs: 2_000 },
  });
}

/** The token from the data dir (created once), and a runner row `local` whose hash matches it. */
async function ensureLocalRunner(server: RunningServer): Promise<string> {
  const file = path.join(server.ctx.config.dataDir, 'local-runner.token');
  let token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (!token.startsWith(`${RUNNER_TOKEN_PREFIX}_`)) {
    token = newToken(RUNNER_TOKEN_PREFIX);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
  }
  const db = server.ctx.db;
  await db.transaction().execute(async (trx) => {
    const admin = await trx
      .selectFrom('users')
      .select('id')
      .where('login', '=', DEFAULT_ADMIN.login)
      .executeTakeFirst();
    const existing = await trx
      .selectFrom('runners')
      .select(['id', 'token_hash'])
      .where('name', '=', LOCAL_RUNNER_NAME)
      .orderBy('id')
      .forUpdate()
      .executeTakeFirst();
    if (!existing) {
      await trx
        .insertInto('runners')
        .values({
          name: LOCAL_RUNNER_NAME,
          owner_id: admin?.id ?? null,
          shared: false,
          token_hash: hashToken(token),
        })
        .execute();
    } else if (existing.token_hash !== hashToken(token)) {
      await trx
        .updateTable('runners')
        .set({ token_hash: hashToken(token), updated_at: new Date() })
        .where('id', '=', existing.id)
        .execute();
    }
  });
  return token;
}

/** An ed25519 key for cloning over SSH (registered in GitLab as a deploy key); null without ssh-keygen. */
async function ensureKey(file: string): Promise<string | null> {
  if (existsSync(file)) return file;
  try {
    await generateKey(file, 'polytene-local-runner');
    return file;
  } catch {
    return null;
  }
}

function loggerOf(server: RunningServer): Logger {
  const log = server.app.log.child({ runner: LOCAL_RUNNER_NAME });
  return {
    info: (message) => log.info(message),
    warn: (message) => log.warn(message),
    error: (message) => log.error(message),
  };
}
