import {
  LOG_FLUSH_MS,
  MAX_LOG_BATCH_BYTES,
  MAX_LOG_BATCH_LINES,
  MAX_LOG_LINE_CHARS,
  type HelloRequest,
  type HelloResponse,
} from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Runner } from '../db/schema.js';
import { recordAudit } from '../audit/service.js';
import { validationFailed } from '../errors.js';
import { parsePublicKey } from './public-key.js';
import { publishRunnerEvent } from '../events/lists.js';

/** Queued when a runner's public key changed, so every forge registers its deploy keys again (forges/tasks.ts). */
export const RUNNER_KEY_CHANGED_TASK = 'runner_key_changed';

/**
 * Stores what a runner tells about itself (proof of life). A new public key is recorded and, when a task
 * handles it, queued for registration as a deploy key.
 */
export async function sayHello(
  ctx: AppContext,
  runner: Runner,
  hello: HelloRequest,
  ip: string,
): Promise<HelloResponse> {
  const key = hello.public_key === null ? null : parsePublicKey(hello.public_key);
  if (hello.public_key !== null && !key) {
    throw validationFailed(
      [{ field: 'public_key', message: 'is not an OpenSSH public key (type base64 [comment])' }],
      'public_key is not an OpenSSH public key',
    );
  }
  const fingerprint = key?.fingerprint ?? null;
  await ctx.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('runners')
      .select('public_key_fingerprint')
      .where('id', '=', runner.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const now = new Date();
    await trx
      .updateTable('runners')
      .set({
        version: hello.version,
        hostname: hello.hostname,
        concurrency: hello.concurrency,
        public_key: key?.normalized ?? null,
        public_key_fingerprint: fingerprint,
        last_seen_at: now,
        updated_at: now,
      })
      .where('id', '=', runner.id)
      .execute();
    await publishRunnerEvent(trx, runner, 'online');
    if (before.public_key_fingerprint === fingerprint) return;
    await recordAudit(trx, {
      actor: { id: null, login: `runner:${runner.name}`, ip },
      action: 'runner_key_changed',
      entityType: 'runner',
      entityId: runner.id,
      before: { public_key_fingerprint: before.public_key_fingerprint },
      after: { public_key_fingerprint: fingerprint },
    });
    if (fingerprint && ctx.jobs.registered().includes(RUNNER_KEY_CHANGED_TASK)) {
      await ctx.jobs.add(trx, RUNNER_KEY_CHANGED_TASK, { runner_id: runner.id });
    }
  });
  return {
    runner_id: runner.id,
    name: runner.name,
    lease_seconds: ctx.config.leaseSeconds,
    log_flush_ms: LOG_FLUSH_MS,
    max_log_batch_lines: MAX_LOG_BATCH_LINES,
    max_log_line_chars: MAX_LOG_LINE_CHARS,
    max_log_batch_bytes: MAX_LOG_BATCH_BYTES,
    active: runner.active,
  };
}
