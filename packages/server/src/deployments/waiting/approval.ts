import type { WaitingFor } from '@polytene/protocol';
import type { WaitingCheck } from './check.js';

/** Awaiting approval: how many approvals it has of the number its environment requires. */
export const approvalCheck: WaitingCheck = async (ctx, waiting) => {
  const awaiting = waiting.filter((d) => d.status === 'awaiting_approval');
  const reasons = new Map<number, WaitingFor>();
  if (!awaiting.length) return reasons;
  const [given, environments] = await Promise.all([
    ctx.db
      .selectFrom('deployment_approvals')
      .select(['deployment_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where(
        'deployment_id',
        'in',
        awaiting.map((d) => d.id),
      )
      .where('decision', '=', 'approve')
      .groupBy('deployment_id')
      .execute(),
    ctx.db
      .selectFrom('environments')
      .select(['id', 'required_approvals'])
      .where(
        'id',
        'in',
        awaiting.map((d) => d.environment_id),
      )
      .execute(),
  ]);
  for (const deployment of awaiting) {
    const approvals = {
      given: Number(given.find((g) => g.deployment_id === deployment.id)?.n ?? 0),
      required: environments.find((e) => e.id === deployment.environment_id)?.required_approvals ?? 0,
    };
    reasons.set(deployment.id, {
      reason: 'approval',
      message: `waiting for approval: ${approvals.given} of ${approvals.required} given`,
      approvals,
    });
  }
  return reasons;
};
