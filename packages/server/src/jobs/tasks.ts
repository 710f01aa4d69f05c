import type { AppContext } from '../context.js';
import { DEPLOYMENT_CHANGED_TASK } from '../deployments/transitions.js';
import { emailOnDeploymentEnd } from '../notifications/email.js';
import { reportDeploymentChange } from '../gitlab/report.js';
import { gitlabTasks } from '../gitlab/task-list.js';
import { REAP_LEASES_JOB_KEY, REAP_LEASES_TASK, reapExpiredLeases } from './lease-reaper.js';
import {
  LOG_RETENTION_EVERY_SECONDS,
  LOG_RETENTION_JOB_KEY,
  LOG_RETENTION_TASK,
  deleteOldLogs,
} from './log-retention.js';

export interface DeploymentChange {
  deployment_id: number;
  status: string;
}

export type DeploymentChangeHandler = (ctx: AppContext, change: DeploymentChange) => Promise<void>;

/**
 * Registers every background task with the queue. Follow-ups of a deployment status change (email,
 * GitLab report...) are listed in `handlers`; each must be idempotent, as a failed job is retried whole.
 */
export function registerTasks(ctx: AppContext): void {
  const handlers: DeploymentChangeHandler[] = [reportDeploymentChange, emailOnDeploymentEnd];
  ctx.jobs.register(DEPLOYMENT_CHANGED_TASK, async (payload) => {
    const change = payload as DeploymentChange;
    for (const handler of handlers) await handler(ctx, change);
  });
  for (const [name, task] of Object.entries(gitlabTasks(ctx))) ctx.jobs.register(name, task);
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
}
