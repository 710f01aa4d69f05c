import { sql, type RawBuilder } from 'kysely';

/** Whether the environment of deployment `alias` is held. */
function environmentHeld(alias: 'd' | 'o'): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (SELECT 1 FROM environments he WHERE he.id = ${sql.ref(`${alias}.environment_id`)} AND he.held_at IS NOT NULL)`;
}

/**
 * What keeps a queued deployment `d` (joined with its project `p`) from being claimed now, one SQL
 * condition each, true when it blocks. The reasons a waiting deployment shows (deployments/waiting.ts)
 * follow the same rules, so what the UI says is what the claim does.
 */
export const CLAIM_BLOCKERS: readonly RawBuilder<boolean>[] = [
  // Another deployment runs in the environment, or waits there ahead of this one. Not in the way: an
  // automatic one the environment's hold keeps waiting (it would keep every manual deploy behind it),
  // and, for a deployment an admin let through a freeze, one the freeze keeps waiting.
  sql<boolean>`EXISTS (
    SELECT 1 FROM deployments o
    WHERE o.environment_id = d.environment_id AND o.id <> d.id
      AND (o.status = 'running' OR (o.status = 'queued' AND (o.queued_at, o.id) < (d.queued_at, d.id)
        AND NOT (o.trigger = 'auto' AND ${environmentHeld('o')})
        AND NOT (d.freeze_override_at IS NOT NULL AND o.freeze_override_at IS NULL
          AND environment_frozen_until(d.environment_id, now()) IS NOT NULL))))`,
  // The environment is held (after a rollback, or by hand): automatic deployments wait for a resume.
  sql<boolean>`(d.trigger = 'auto' AND ${environmentHeld('d')})`,
  // The environment is in a freeze and no admin has overridden it for this deployment (freeze/).
  sql<boolean>`(d.freeze_override_at IS NULL AND environment_frozen_until(d.environment_id, now()) IS NOT NULL)`,
];

/** The claim's condition: none of the blockers holds. */
export function claimable(): RawBuilder<boolean> {
  return sql<boolean>`NOT (${sql.join(CLAIM_BLOCKERS, sql` OR `)})`;
}
