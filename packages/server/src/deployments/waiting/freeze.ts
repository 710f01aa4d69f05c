import { sql } from 'kysely';
import type { WaitingFor } from '@polytene/protocol';
import type { WaitingCheck } from './check.js';

/**
 * In a freeze: the environment is frozen now and no admin has overridden it for the deployment
 * (architecture.md §4, "Freeze windows"); `until` is when the freeze ends. One query for the batch.
 */
export const freezeCheck: WaitingCheck = async (ctx, waiting) => {
  const frozen = await ctx.db
    .selectFrom('deployments')
    .select([
      'deployments.id',
      'deployments.environment',
      sql<Date | null>`environment_frozen_until(deployments.environment_id, now())`.as('until'),
    ])
    .where(
      'deployments.id',
      'in',
      waiting.map((d) => d.id),
    )
    .where('deployments.freeze_override_at', 'is', null)
    .execute();
  const reasons = new Map<number, WaitingFor>();
  for (const row of frozen) {
    if (!row.until) continue;
    reasons.set(row.id, {
      reason: 'freeze',
      message: `${row.environment} is in a freeze until ${row.until.toISOString()}`,
      until: row.until.toISOString(),
    });
  }
  return reasons;
};
