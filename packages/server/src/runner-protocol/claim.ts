import { sql } from 'kysely';
import { JOB_TOKEN_PREFIX, type Job } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Runner } from '../db/schema.js';
import type { Actor } from '../audit/service.js';
import { transitionDeployment } from '../deployments/transitions.js';
import { hashToken, newToken } from '../secrets.js';
import { jobFor } from './job.js';
import { claimable } from './claim-blockers.js';

const ONE_RUNNING_PER_ENV = 'deployments_one_running_per_env';
const MAX_ATTEMPTS = 5;

export function runnerActor(runner: Pick<Runner, 'name'>, ip: string | null): Actor {
  return { id: null, login: `runner:${runner.name}`, ip };
}

function isOneRunningViolation(error: unknown): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError.code === '23505' && pgError.constraint === ONE_RUNNING_PER_ENV;
}

/**
 * Claims, in one transaction, the oldest queued deployment this runner may take: its project is linked
 * to this runner, or has no runner of its own and this runner is shared (a project linked to another
 * runner is never taken, not even while that runner is busy or offline: architecture.md §4), the runner
 * is active and its owner (if any) not disabled, and none of the CLAIM_BLOCKERS holds (nothing runs in
 * its environment nor waits there ahead of it, ...). Rows other runners are claiming are skipped
 * (`FOR UPDATE SKIP LOCKED`); the partial unique index on running deployments is the last guard, and a
 * claim it stops is tried again. Null when there is nothing to take.
 */
export async function claimJob(ctx: AppContext, runner: Runner, ip: string | null): Promise<Job | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction().execute(async (trx) => {
        const candidate = await sql<{ id: number }>`
          SELECT d.id FROM deployments d
          JOIN projects p ON p.id = d.project_id
          JOIN runners r ON r.id = ${runner.id}
          WHERE d.status = 'queued' AND r.active
            AND (p.runner_id = r.id OR (p.runner_id IS NULL AND r.shared))
            AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = r.owner_id AND u.disabled)
            AND ${claimable()}
          ORDER BY d.queued_at, d.id
          LIMIT 1
          FOR UPDATE OF d SKIP LOCKED`.execute(trx);
        const id = candidate.rows[0]?.id;
        if (id === undefined) return null;
        const token = newToken(JOB_TOKEN_PREFIX);
        const deployment = await transitionDeployment(ctx, trx, id, {
          to: 'running',
          actor: runnerActor(runner, ip),
          extra: {
            runner_id: runner.id,
            lease_expires_at: new Date(Date.now() + ctx.config.leaseSeconds * 1000),
            job_token_hash: hashToken(token),
          },
        });
        return jobFor(ctx, trx, deployment, token);
      });
    } catch (error) {
      if (!isOneRunningViolation(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
