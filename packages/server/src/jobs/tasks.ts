import type { AppContext } from '../context.js';
import {
  DEPLOYMENT_CHANGE_HANDLERS,
  LEGACY_DEPLOYMENT_CHANGED_TASK,
  deploymentChangeTask,
  type DeploymentChange,
  type DeploymentChangeHandler,
  type DeploymentChangeHandlerName,
} from '../deployments/changes.js';
import { emailOnDeploymentEnd } from '../notifications/email.js';
import {
  HOOK_DELIVERY_TASK,
  attemptDelivery,
  notifyHooksOnDeploymentChange,
} from '../notifications/hooks.js';
import { forgeTasks, reportToForge } from '../forges/tasks.js';
import { REAP_LEASES_JOB_KEY, REAP_LEASES_TASK, reapExpiredLeases } from './lease-reaper.js';
import {
  LOG_RETENTION_EVERY_SECONDS,
  LOG_RETENTION_JOB_KEY,
  LOG_RETENTION_TASK,
  deleteOldLogs,
} from './log-retention.js';
import {
  FREEZE_SWEEP_EVERY_SECONDS,
  FREEZE_SWEEP_JOB_KEY,
  FREEZE_SWEEP_TASK,
  FREEZE_WAKE_TASK,
  runFreezeWake,
  sweepFreezes,
} from '../freeze/wake.js';

/** The follow-ups of a deployment status change; each must be idempotent, as a failed job is retried. */
const DEPLOYMENT_CHANGE_HANDLER_OF: Record<DeploymentChangeHandlerName, DeploymentChangeHandler> = {
  // The forge report; named gitlab_report when GitLab was the only forge, as queued jobs still are.
  gitlab_report: reportToForge,
  email: emailOnDeploymentEnd,
  notification_hooks: notifyHooksOnDeploymentChange,
};

/** Registers every background task with the queue. */
export function registerTasks(ctx: AppContext): void {
  for (const name of DEPLOYMENT_CHANGE_HANDLERS) {
    const handler = DEPLOYMENT_CHANGE_HANDLER_OF[name];
    ctx.jobs.register(deploymentChangeTask(name), (payload) => handler(ctx, payload as DeploymentChange));
  }
  ctx.jobs.register(LEGACY_DEPLOYMENT_CHANGED_TASK, async (payload) => {
    for (const name of DEPLOYMENT_CHANGE_HANDLERS)
      await DEPLOYMENT_CHANGE_HANDLER_OF[name](ctx, payload as DeploymentChange);
  });
  ctx.jobs.register(HOOK_DELIVERY_TASK, async (payload, helpers) => {
    const { delivery_id } = payload as { delivery_id: number };
    await attemptDelivery(ctx, delivery_id, helpers.job.attempts, helpers.job.max_attempts);
  });
  for (const [name, task] of Object.entries(forgeTasks(ctx))) ctx.jobs.register(name, task);
  ctx.jobs.registerRecurring({
    name: REAP_LEASES_TASK,
    jobKey: REAP_LEASES_JOB_KEY,
    everySeconds: ctx.config.leaseCheckSeconds,
    run: () => reapExpiredLeases(ctx),
  });
  ctx.jobs.registerRecurring({
    name: LOG_RETENTION_TASK,
    jobKey: LOG_RETENTION_JOB_KEY,
    everySeconds: LOG_RETENTION_EVERY_SECONDS,
    run: () => deleteOldLogs(ctx),
  });
  ctx.jobs.register(FREEZE_WAKE_TASK, (payload) =>
    runFreezeWake(ctx, (payload as { environment_id: number }).environment_id),
  );
  ctx.jobs.registerRecurring({
    name: FREEZE_SWEEP_TASK,
    jobKey: FREEZE_SWEEP_JOB_KEY,
    everySeconds: FREEZE_SWEEP_EVERY_SECONDS,
    run: () => sweepFreezes(ctx),
  });
}
