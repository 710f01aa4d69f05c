import type { WaitingFor } from '@polytene/protocol';
import type { WaitingCheck } from './check.js';

/**
 * Behind another deployment of the same environment: the one running there, else the oldest queued one
 * ahead of it (the claim's order: queued_at, then id).
 */
export const queueAheadCheck: WaitingCheck = async (ctx, waiting) => {
  const active = await ctx.db
    .selectFrom('deployments')
    .select(['id', 'environment_id', 'status', 'queued_at'])
    .where(
      'environment_id',
      'in',
      waiting.map((d) => d.environment_id),
    )
    .where('status', 'in', ['running', 'queued'])
    .orderBy('queued_at')
    .orderBy('id')
    .execute();
  const reasons = new Map<number, WaitingFor>();
  for (const deployment of waiting) {
    const inEnv = active.filter(
      (a) => a.environment_id === deployment.environment_id && a.id !== deployment.id,
    );
    const ahead =
      inEnv.find((a) => a.status === 'running') ??
      inEnv.find(
        (a) =>
          a.queued_at < deployment.queued_at ||
          (a.queued_at.getTime() === deployment.queued_at.getTime() && a.id < deployment.id),
      );
    if (!ahead) continue;
    const what =
      ahead.status === 'running' ? 'which is running in this environment' : 'which waits ahead of it';
    reasons.set(deployment.id, {
      reason: 'behind',
      message: `behind deployment #${ahead.id}, ${what}`,
      deployment_id: ahead.id,
    });
  }
  return reasons;
};
