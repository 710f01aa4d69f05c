import type { DeploymentStatus } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';

/** What a follow-up of a deployment status change is told (architecture.md §9). */
export type DeploymentChange = {
  deployment_id: number;
  status: DeploymentStatus;
};

export type DeploymentChangeHandler = (ctx: AppContext, change: DeploymentChange) => Promise<void>;

/**
 * Every follow-up of a deployment status change, by name. Each runs as a job of its own, so one that
 * fails (an SMTP server down) is retried alone and never re-runs another (the GitLab report). Adding a
 * channel means a name here and its handler in jobs/tasks.ts, which the compiler then asks for.
 */
export const DEPLOYMENT_CHANGE_HANDLERS = ['gitlab_report', 'email', 'notification_hooks'] as const;
export type DeploymentChangeHandlerName = (typeof DEPLOYMENT_CHANGE_HANDLERS)[number];

export const deploymentChangeTask = (handler: DeploymentChangeHandlerName) => `deployment_changed:${handler}`;

/** Before handlers ran as jobs of their own, one job ran them all; such jobs may still be queued. */
export const LEGACY_DEPLOYMENT_CHANGED_TASK = 'deployment_changed';

/** Queues one job per handler, in `trx`: the follow-ups exist exactly when the change is committed. */
export async function queueDeploymentChange(
  ctx: AppContext,
  trx: Db,
  change: DeploymentChange,
): Promise<void> {
  for (const handler of DEPLOYMENT_CHANGE_HANDLERS)
    await ctx.jobs.add(trx, deploymentChangeTask(handler), change);
}
