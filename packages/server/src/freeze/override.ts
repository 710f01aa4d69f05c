import type { AppContext } from '../context.js';
import type { User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict, forbidden } from '../errors.js';
import { publish } from '../events/bus.js';
import { deploymentListEvent, publishProjectEvent } from '../events/lists.js';
import { invalidField } from '../projects/validation.js';
import { JOBS_TOPIC, lockDeployment } from '../deployments/transitions.js';
import { frozenUntil } from './wake.js';

/**
 * An admin lets one queued deployment start during its environment's freeze, saying why (architecture.md
 * §4, "Freeze windows"). Only admins (403 for anyone else, maintainers too); a reason is needed (400); the
 * deployment must be queued in an environment frozen now, not overridden yet (409). Records who, when and
 * why on the deployment, audits it, tells pages and wakes the runners.
 */
export async function overrideFreeze(
  ctx: AppContext,
  actor: Actor,
  user: User,
  deploymentId: number,
  reason: string,
): Promise<void> {
  if (user.role !== 'admin') throw forbidden('only an admin may override a freeze');
  const words = reason.trim();
  if (!words) throw invalidField('reason', 'is needed: say why the freeze is overridden', 'blank');
  await ctx.db.transaction().execute(async (trx) => {
    const current = await lockDeployment(trx, deploymentId);
    if (current.status !== 'queued')
      throw conflict(
        'CONFLICT',
        `the deployment is ${current.status}: only a waiting one can skip a freeze`,
        {
          status: current.status,
        },
      );
    if (current.freeze_override_at)
      throw conflict('CONFLICT', 'the freeze is overridden for this deployment already');
    const until = await frozenUntil(trx, current.environment_id);
    if (!until) throw conflict('CONFLICT', `${current.environment} is not frozen now`);
    const now = new Date();
    const updated = await trx
      .updateTable('deployments')
      .set({
        freeze_override_by: user.id,
        freeze_override_reason: words,
        freeze_override_at: now,
        updated_at: now,
      })
      .where('id', '=', deploymentId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'deployment_freeze_override',
      entityType: 'deployment',
      entityId: deploymentId,
      projectId: current.project_id,
      after: { reason: words, frozen_until: until.toISOString(), environment: current.environment },
    });
    await publishProjectEvent(trx, deploymentListEvent(updated));
    await publish(trx, JOBS_TOPIC, { project_id: current.project_id, environment: current.environment });
  });
}
