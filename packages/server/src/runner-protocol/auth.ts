import type { FastifyRequest } from 'fastify';
import { JOB_TOKEN_PREFIX, RUNNER_TOKEN_PREFIX } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { Runner } from '../db/schema.js';
import { forbidden, unauthorized } from '../errors.js';
import { hashToken } from '../secrets.js';

function bearer(request: FastifyRequest, prefix: string, what: string): string {
  const header = request.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
  if (!token.startsWith(`${prefix}_`)) {
    throw unauthorized(`send the ${what} as Authorization: Bearer ${prefix}_...`);
  }
  return token;
}

/**
 * The runner whose token (`Bearer prt_...`) the request carries, or 401. Paused runners are returned; a
 * runner whose owner is disabled is refused with 403 (a disabled user's runners do no work).
 */
export async function authenticateRunner(db: Db, request: FastifyRequest): Promise<Runner> {
  const token = bearer(request, RUNNER_TOKEN_PREFIX, 'runner token');
  const row = await db
    .selectFrom('runners')
    .leftJoin('users', 'users.id', 'runners.owner_id')
    .selectAll('runners')
    .select('users.disabled as owner_disabled')
    .where('runners.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) throw unauthorized('the runner token is not valid');
  const { owner_disabled, ...runner } = row;
  if (owner_disabled === true) throw forbidden('the owner of this runner is disabled');
  return runner;
}

export interface JobCaller {
  deploymentId: number;
  runner: Pick<Runner, 'id' | 'name'>;
}

/**
 * Checks a per-job call against the job token (`Bearer pjt_...`) handed out when the deployment was
 * claimed: 401 for an unknown token (or a runner since deleted), 403 when it belongs to another job.
 */
export async function authenticateJob(
  db: Db,
  request: FastifyRequest,
  deploymentId: number,
): Promise<JobCaller> {
  const token = bearer(request, JOB_TOKEN_PREFIX, 'job token');
  const row = await db
    .selectFrom('deployments')
    .innerJoin('runners', 'runners.id', 'deployments.runner_id')
    .select(['deployments.id', 'runners.id as runner_id', 'runners.name as runner_name'])
    .where('deployments.job_token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) throw unauthorized('the job token is not valid');
  if (row.id !== deploymentId) throw forbidden('this job token belongs to another job');
  return { deploymentId, runner: { id: row.runner_id, name: row.runner_name } };
}

/** Proof of life, written at most every few seconds per runner. */
export async function touchRunner(db: Db, runnerId: number): Promise<void> {
  await db
    .updateTable('runners')
    .set({ last_seen_at: new Date() })
    .where('id', '=', runnerId)
    .where((eb) =>
      eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', new Date(Date.now() - 5_000))]),
    )
    .execute();
}
