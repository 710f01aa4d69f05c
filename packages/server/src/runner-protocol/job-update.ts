import type { JobUpdate, JobUpdateResponse } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Runner } from '../db/schema.js';
import { conflict, validationFailed } from '../errors.js';
import { lockDeployment, transitionDeployment } from '../deployments/transitions.js';
import { assertNotFinished, controlStatus } from './job-status.js';
import { runnerActor } from './claim.js';

function checkReason(update: JobUpdate): void {
  const reason = update.failure_reason ?? null;
  if (update.status === 'failed' && reason === null) {
    throw validationFailed(
      [{ field: 'failure_reason', message: 'is required when status is failed' }],
      'failure_reason is required for a failed job',
    );
  }
  if (update.status !== 'failed' && reason !== null) {
    throw validationFailed(
      [{ field: 'failure_reason', message: 'must be null unless status is failed' }],
      `failure_reason is only for a failed job, not ${update.status}`,
    );
  }
}

/**
 * A runner's report on its job. `running` is the heartbeat: it extends the lease. A final status ends the
 * job through transitionDeployment; sending the same final status again is answered as before, a
 * different one is a conflict.
 */
export async function updateJob(
  ctx: AppContext,
  runner: Pick<Runner, 'name'>,
  deploymentId: number,
  update: JobUpdate,
  ip: string | null,
): Promise<JobUpdateResponse> {
  checkReason(update);
  return ctx.db.transaction().execute(async (trx) => {
    const deployment = await lockDeployment(trx, deploymentId);
    const sameFinal =
      deployment.status === update.status &&
      (deployment.failure_reason ?? null) === (update.failure_reason ?? null);
    if (update.status !== 'running' && sameFinal) {
      return { status: deployment.status, last_n: deployment.last_log_n };
    }
    assertNotFinished(deployment);
    if (update.status === 'running') {
      await trx
        .updateTable('deployments')
        .set({
          lease_expires_at: new Date(Date.now() + ctx.config.leaseSeconds * 1000),
          updated_at: new Date(),
        })
        .where('id', '=', deploymentId)
        .execute();
      return { status: controlStatus(deployment), last_n: deployment.last_log_n };
    }
    if (deployment.status !== 'running') {
      throw conflict('INVALID_TRANSITION', `the job is ${deployment.status}`, {
        status: deployment.status,
      });
    }
    const ended = await transitionDeployment(ctx, trx, deploymentId, {
      to: update.status,
      failureReason: update.failure_reason ?? null,
      exitCode: update.exit_code ?? null,
      message: update.message ?? null,
      actor: runnerActor(runner, ip),
    });
    return { status: ended.status, last_n: ended.last_log_n };
  });
}
