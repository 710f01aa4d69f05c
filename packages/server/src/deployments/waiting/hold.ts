import type { WaitingFor } from '@polytene/protocol';
import { environmentHolds, holdMessage } from '../../environments/hold.js';
import type { WaitingCheck } from './check.js';

/**
 * The environment is held (after a rollback, or by hand): an automatic deployment waits until someone
 * resumes it; a person's deploy is not held (architecture.md §4, "Rollbacks and holds").
 */
export const holdCheck: WaitingCheck = async (ctx, waiting) => {
  const automatic = waiting.filter((d) => d.trigger === 'auto');
  const reasons = new Map<number, WaitingFor>();
  if (!automatic.length) return reasons;
  const holds = await environmentHolds(
    ctx.db,
    automatic.map((d) => d.environment_id),
  );
  for (const deployment of automatic) {
    const hold = holds.get(deployment.environment_id);
    if (!hold) continue;
    reasons.set(deployment.id, {
      reason: 'hold',
      message: holdMessage(hold),
      held_by: hold.by,
      hold_reason: hold.reason,
    });
  }
  return reasons;
};
