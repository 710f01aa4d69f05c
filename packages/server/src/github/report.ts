import type { DeploymentStatus } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Project } from '../db/schema.js';
import type { DeploymentChange } from '../deployments/changes.js';
import { githubApiUrlProblem } from '../projects/github.js';
import { deploymentLink } from '../notifications/message.js';
import { GithubError, createCommitStatus, type GithubCommitState } from './client.js';

export const REPORT_STATUS_TASK = 'github_report_status';

/** One queue per project: its reports run one at a time, in the order the changes happened. */
export const githubQueue = (projectId: number) => `github:${projectId}`;

/** The commit status `polytene/<environment>` for each Polytene deployment status. */
export const GITHUB_COMMIT_STATE: Record<DeploymentStatus, GithubCommitState> = {
  awaiting_approval: 'pending',
  queued: 'pending',
  running: 'pending',
  succeeded: 'success',
  failed: 'failure',
  canceled: 'error',
  skipped: 'error',
};

/**
 * The GitHub side of the deployment follow-up (forges/tasks.ts reportToForge, itself a job): queues a
 * report of its own on the project's queue (retried with backoff), so GitHub being away or refusing the
 * token never delays or fails the deployment. Projects without a token report nothing.
 */
export async function queueStatusReport(
  ctx: AppContext,
  project: Project,
  change: DeploymentChange,
): Promise<void> {
  if (project.source !== 'github' || project.github_token_encrypted === null) return;
  await ctx.jobs.add(
    ctx.db,
    REPORT_STATUS_TASK,
    { deployment_id: change.deployment_id },
    { queueName: githubQueue(project.id), maxAttempts: 8 },
  );
}

async function store(
  ctx: AppContext,
  deploymentId: number,
  values: { state?: string; error: string | null },
) {
  await ctx.db
    .insertInto('github_status_reports')
    .values({ deployment_id: deploymentId, ...values })
    .onConflict((oc) => oc.column('deployment_id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
}

/**
 * Sets the commit status `polytene/<environment>` of the deployed commit to the deployment's status as it
 * is now (a late or repeated job never moves GitHub backwards, and a state already sent is not sent
 * again). A failure is stored on the report, without the token; a transient one throws to be retried.
 */
export async function reportStatus(ctx: AppContext, deploymentId: number): Promise<void> {
  const row = await ctx.db
    .selectFrom('deployments')
    .innerJoin('builds', 'builds.id', 'deployments.build_id')
    .innerJoin('projects', 'projects.id', 'deployments.project_id')
    .leftJoin('github_status_reports', 'github_status_reports.deployment_id', 'deployments.id')
    .select([
      'deployments.status',
      'deployments.environment',
      'builds.sha',
      'projects.github_repository',
      'projects.github_api_url',
      'projects.github_token_encrypted',
      'github_status_reports.state as sent',
    ])
    .where('deployments.id', '=', deploymentId)
    .executeTakeFirst();
  if (!row?.github_repository || !row.github_api_url || !row.github_token_encrypted) return;
  const state = GITHUB_COMMIT_STATE[row.status];
  if (row.sent === state) return;
  try {
    const problem = await githubApiUrlProblem(ctx, row.github_api_url);
    if (problem) throw new GithubError(`the GitHub API URL ${problem}`, false);
    await createCommitStatus({
      apiUrl: row.github_api_url,
      token: ctx.secrets.decrypt(row.github_token_encrypted),
      repository: row.github_repository,
      sha: row.sha,
      state,
      context: `polytene/${row.environment}`,
      targetUrl: deploymentLink(ctx.publicUrl, deploymentId),
      description: `Polytene deployment #${deploymentId} ${row.status}`,
    });
    await store(ctx, deploymentId, { state, error: null });
  } catch (error) {
    if (!(error instanceof GithubError)) throw error;
    await store(ctx, deploymentId, { error: error.message });
    if (error.transient) throw error;
  }
}
