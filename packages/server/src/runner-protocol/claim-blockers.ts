import { sql, type RawBuilder } from 'kysely';

/**
 * What keeps a queued deployment `d` (joined with its project `p`) from being claimed now, one SQL
 * condition each, true when it blocks. The reasons a waiting deployment shows (deployments/waiting.ts)
 * follow the same rules, so what the UI says is what the claim does.
 */
export const CLAIM_BLOCKERS: readonly RawBuilder<boolean>[] = [
  // Another deployment runs in the environment, or waits there ahead of this one.
  sql<boolean>`EXISTS (
    SELECT 1 FROM deployments o
    WHERE o.environment_id = d.environment_id AND o.id <> d.id
      AND (o.status = 'running' OR (o.status = 'queued' AND (o.queued_at, o.id) < (d.queued_at, d.id))))`,
  // The environment is in a freeze and no admin has overridden it for this deployment (freeze/).
  sql<boolean>`(d.freeze_override_at IS NULL AND environment_frozen_until(d.environment_id, now()) IS NOT NULL)`,
];

/** The claim's condition: none of the blockers holds. */
export function claimable(): RawBuilder<boolean> {
  return sql<boolean>`NOT (${sql.join(CLAIM_BLOCKERS, sql` OR `)})`;
}
