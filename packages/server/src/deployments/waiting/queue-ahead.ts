import { sql } from 'kysely';
import type { WaitingFor } from '@polytene/protocol';
import type { WaitingCheck } from './check.js';
import { environmentHolds } from '../../environments/hold.js';

/**
 * Behind another deployment of the same environment: the one running there, else the oldest queued one
 * ahead of it (the claim's order: queued_at, then id). Not in the way (the claim's first blocker says
 * the same): an automatic one a hold keeps waiting, and, for a deployment an admin let through a
 * freeze, one the freeze keeps waiting.
 */
export const queueAheadCheck: WaitingCheck = async (ctx, waiting) => {
  const active = await ctx.db
    .selectFrom('deployments')
    .select([
      'id',
      'environment_id',
      'status',
      'trigger',
      'queued_at',
      'freeze_override_at',
      sql<Date | null>`environment_frozen_until(environment_id, now())`.as('frozen_until'),
    ])
    .where(
      'environment_id',
      'in',
      waiting.map((d) => d.environment_id),
    )
    .where('status', 'in', ['running', 'queued'])
    .orderBy('queued_at')
    .orderBy('id')
    .execute();
  const holds = await environmentHolds(
    ctx.db,
    waiting.map((d) => d.environment_id),
  );
  const reasons = new Map<number, WaitingFor>();
  for (const deployment of waiting) {
    const held = holds.has(deployment.environment_id);
    const self = active.find((a) => a.id === deployment.id);
    const throughFreeze =
      self !== undefined && self.freeze_override_at !== null && self.frozen_until !== null;
    const inEnv = active.filter(
      (a) =>
        a.environment_id === deployment.environment_id &&
        a.id !== deployment.id &&
        !(held && a.status === 'queued' && a.trigger === 'auto') &&
        !(throughFreeze && a.status === 'queued' && a.freeze_override_at === null),
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
