import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Deployment, Project } from '../db/schema.js';
import type { DeploymentChange } from '../deployments/changes.js';
import type { CommitState, DeploymentStatus } from './client.js';
import { clientForProject } from './connection.js';
import { GitlabError } from './errors.js';
import { REPORT_DEPLOYMENT_TASK, gitlabQueue } from './tasks.js';

/** What GitLab's Deployments API is told for each Polytene status (none: not reported there). */
const DEPLOYMENT_STATUS: Partial<Record<Deployment['status'], DeploymentStatus>> = {
  running: 'running',
  succeeded: 'success',
  failed: 'failed',
  canceled: 'canceled',
};

/** The commit status `polytene/<environment>` for each Polytene status. */
const COMMIT_STATE: Partial<Record<Deployment['status'], CommitState>> = {
  awaiting_approval: 'pending',
  queued: 'pending',
  running: 'running',
  succeeded: 'success',
  failed: 'failed',
  canceled: 'canceled',
};

/**
 * The GitLab side of the deployment follow-up (forges/tasks.ts reportToForge): it only queues a report job
 * of its own (per project queue, retried with backoff), so a GitLab outage never delays or fails the
 * deployment itself.
 */
export async function queueDeploymentReport(
  ctx: AppContext,
  project: Project,
  change: DeploymentChange,
): Promise<void> {
  if (project.source !== 'gitlab' || !project.gitlab_report) return;
  await ctx.jobs.add(
    ctx.db,
    REPORT_DEPLOYMENT_TASK,
    { deployment_id: change.deployment_id },
    { queueName: gitlabQueue(project.id), maxAttempts: 12 },
  );
}

/**
 * Tells GitLab the deployment's current status: a GitLab deployment for its environment (created on the
 * first report, then updated) and the commit status `polytene/<environment>` linking to it. Reports the
 * status as it is now, so a late or repeated job never moves GitLab backwards, and reports the start
 * first when only the end is seen (jobs may run out of order); what was sent is stored, not sent twice. A failure is stored on the report; a transient one throws so the job is retried.
 */
export async function reportDeployment(ctx: AppContext, deploymentId: number): Promise<void> {
  const row = await ctx.db
    .selectFrom('deployments')
    .innerJoin('builds', 'builds.id', 'deployments.build_id')
    .innerJoin('projects', 'projects.id', 'deployments.project_id')
    .select([
      'deployments.id',
      'deployments.status',
      'deployments.environment',
      'deployments.started_at',
      'builds.sha',
      'builds.ref',
      'builds.is_tag',
      'projects.gitlab_url',
      'projects.gitlab_instance_id',
      'projects.gitlab_project_id',
      'projects.gitlab_user_id',
      'projects.owner_id',
      'projects.gitlab_report',
    ])
    .where('deployments.id', '=', deploymentId)
    .executeTakeFirst();
  if (!row || !row.gitlab_report || row.gitlab_project_id === null) return;
  await ctx.db
    .insertInto('gitlab_deployment_reports')
    .values({ deployment_id: deploymentId })
    .onConflict((oc) => oc.column('deployment_id').doNothing())
    .execute();
  const report = await ctx.db
    .selectFrom('gitlab_deployment_reports')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .executeTakeFirstOrThrow();
  const gitlabProjectId = row.gitlab_project_id;
  try {
    const client = await clientForProject(ctx, row);
    // A deployment canceled before it ever ran never reached the environment: no GitLab deployment.
    const ran = row.started_at !== null || report.gitlab_deployment_id !== null;
    // The start is reported even when only the end is seen, so GitLab shows both, in order.
    const phases: Deployment['status'][] =
      ran &&
      row.status !== 'running' &&
      report.commit_status !== 'running' &&
      report.deployment_status === null
        ? ['running', row.status]
        : [row.status];
    let gitlabDeploymentId = report.gitlab_deployment_id;
    let sentDeployment = report.deployment_status;
    let sentCommit = report.commit_status;
    for (const phase of phases) {
      const target = DEPLOYMENT_STATUS[phase];
      if (target && ran && sentDeployment !== target) {
        if (gitlabDeploymentId === null) {
          const created = await client.createDeployment(gitlabProjectId, {
            environment: row.environment,
            sha: row.sha,
            ref: row.ref,
            tag: row.is_tag,
            status: target,
          });
          gitlabDeploymentId = created.id;
        } else {
          await client.updateDeployment(gitlabProjectId, gitlabDeploymentId, target);
        }
        sentDeployment = target;
        await update(ctx.db, deploymentId, {
          gitlab_deployment_id: gitlabDeploymentId,
          deployment_status: target,
        });
      }
      const state = COMMIT_STATE[phase];
      if (state && sentCommit !== state) {
        await client.setCommitStatus(gitlabProjectId, row.sha, {
          state,
          name: `polytene/${row.environment}`,
          ref: row.ref,
          targetUrl: `${ctx.publicUrl}/deployments/${deploymentId}`,
          description: `Polytene deployment #${deploymentId} ${phase}`,
        });
        sentCommit = state;
        await update(ctx.db, deploymentId, { commit_status: state });
      }
    }
    await update(ctx.db, deploymentId, { error: null });
  } catch (error) {
    if (!(error instanceof GitlabError)) throw error;
    await update(ctx.db, deploymentId, { error: error.message });
    if (error.transient) throw error;
  }
}

async function update(
  db: Db,
  deploymentId: number,
  values: {
    gitlab_deployment_id?: number;
    deployment_status?: string;
    commit_status?: string;
    error?: string | null;
  },
): Promise<void> {
  await db
    .updateTable('gitlab_deployment_reports')
    .set({ ...values, updated_at: new Date() })
    .where('deployment_id', '=', deploymentId)
    .execute();
}
