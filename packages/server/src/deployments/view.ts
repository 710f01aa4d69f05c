import { sql } from 'kysely';
import { DeploymentView, Nullable, type ApprovalView, type WaitingFor } from '@polytene/protocol';
import { approvalsOf } from './approvals.js';
import { waitingReasons } from './waiting.js';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { iso } from '../http/schemas.js';
import { toCommitView } from '../builds/commit.js';

/** The schemas live in protocol (views/deployments.ts); re-exported for the modules that import them here. */
export { DeploymentView, Nullable };

/**
 * The commit live in the deployment's environment before it: the build of the last deployment of the
 * same project and environment that succeeded, among those queued before this one (by id).
 */
const liveShaBefore = sql<string | null>`(
  SELECT b.sha FROM deployments d JOIN builds b ON b.id = d.build_id
  WHERE d.environment_id = deployments.environment_id
    AND d.status = 'succeeded' AND d.id < deployments.id
  ORDER BY d.id DESC LIMIT 1
)`;

/** Deployments joined with what their view shows; add conditions, order and paging to it. */
export function deploymentRows(db: Db) {
  return db
    .selectFrom('deployments')
    .innerJoin('builds', 'builds.id', 'deployments.build_id')
    .innerJoin('projects', 'projects.id', 'deployments.project_id')
    .innerJoin('environments', 'environments.id', 'deployments.environment_id')
    .leftJoin('users', 'users.id', 'deployments.triggered_by')
    .leftJoin('runners', 'runners.id', 'deployments.runner_id')
    .leftJoin('users as override_users', 'override_users.id', 'deployments.freeze_override_by')
    .select([
      'deployments.id',
      'deployments.environment',
      'deployments.environment_id',
      'deployments.status',
      'deployments.cancel_requested_at',
      'deployments.failure_reason',
      'deployments.exit_code',
      'deployments.message',
      'deployments.trigger',
      'deployments.rollback',
      'deployments.queued_at',
      'deployments.started_at',
      'deployments.finished_at',
      'deployments.last_log_n',
      'deployments.project_id',
      'deployments.phase',
      'deployments.phase_started_at',
      'builds.id as build_id',
      'builds.ref as build_ref',
      'builds.sha as build_sha',
      'builds.external_id as build_external_id',
      'builds.commit_title',
      'builds.commit_author_name',
      'builds.commit_author_email',
      'builds.commit_url',
      'builds.committed_at',
      'builds.pipeline_url',
      'projects.name as project_name',
      'projects.source as project_source',
      'projects.web_url as project_web_url',
      'users.id as user_id',
      'users.login as user_login',
      'runners.id as runner_id',
      'runners.name as runner_name',
      'deployments.freeze_override_by',
      'deployments.freeze_override_reason',
      'deployments.freeze_override_at',
      'override_users.login as freeze_override_login',
      'environments.required_approvals',
    ])
    .select(liveShaBefore.as('live_sha'));
}

export type DeploymentRow = Awaited<ReturnType<ReturnType<typeof deploymentRows>['executeTakeFirstOrThrow']>>;

/**
 * The view of one row; `waiting` is its entry of `waitingReasons()` (none for one that has started),
 * `approvals` the decisions on it.
 */
export function toDeploymentView(
  row: DeploymentRow,
  waiting: WaitingFor | null = null,
  approvals: ApprovalView[] = [],
): DeploymentView {
  return {
    id: row.id,
    build: {
      id: row.build_id,
      ref: row.build_ref,
      sha: row.build_sha,
      external_id: row.build_external_id,
      commit: toCommitView(row),
      pipeline_url: row.pipeline_url,
    },
    project: { id: row.project_id, name: row.project_name },
    environment: row.environment,
    environment_id: row.environment_id,
    status: row.status,
    waiting_for: waiting,
    cancel_requested: row.status === 'running' && row.cancel_requested_at !== null,
    freeze_override: freezeOverride(row),
    failure_reason: row.failure_reason,
    exit_code: row.exit_code,
    message: row.message,
    trigger: row.trigger,
    rollback: row.rollback,
    triggered_by:
      row.user_id !== null && row.user_login !== null ? { id: row.user_id, login: row.user_login } : null,
    runner:
      row.runner_id !== null && row.runner_name !== null
        ? { id: row.runner_id, name: row.runner_name }
        : null,
    queued_at: row.queued_at.toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    last_log_n: row.last_log_n,
    required_approvals: row.required_approvals,
    approvals,
    compare_url: compareUrl(row),
    phase: row.phase,
    phase_started_at: iso(row.phase_started_at),
  };
}

/** An admin's override of a freeze: who (null once their account is gone), why and when. */
function freezeOverride(row: DeploymentRow): DeploymentView['freeze_override'] {
  if (row.freeze_override_at === null || row.freeze_override_reason === null) return null;
  const by =
    row.freeze_override_by !== null && row.freeze_override_login !== null
      ? { id: row.freeze_override_by, login: row.freeze_override_login }
      : null;
  return { by, reason: row.freeze_override_reason, at: row.freeze_override_at.toISOString() };
}

/**
 * GitLab's page comparing what was live with what this deployment deploys
 * (`<web_url>/-/compare/<live>...<sha>`): null for a project not on GitLab, with nothing live before,
 * or when the same commit was live.
 */
function compareUrl(row: DeploymentRow): string | null {
  if (row.project_source !== 'gitlab' || !row.project_web_url || !row.live_sha) return null;
  if (row.live_sha === row.build_sha) return null;
  return `${row.project_web_url.replace(/\/+$/, '')}/-/compare/${row.live_sha}...${row.build_sha}`;
}

/** The views of `rows`, each waiting one saying why (one batch of queries for all). */
export async function deploymentViews(ctx: AppContext, rows: DeploymentRow[]): Promise<DeploymentView[]> {
  const [waiting, approvals] = await Promise.all([
    waitingReasons(ctx, rows),
    approvalsOf(
      ctx.db,
      rows.map((row) => row.id),
    ),
  ]);
  return rows.map((row) => toDeploymentView(row, waiting.get(row.id) ?? null, approvals.get(row.id) ?? []));
}

export async function loadDeploymentView(ctx: AppContext, id: number): Promise<DeploymentView | null> {
  const row = await deploymentRows(ctx.db).where('deployments.id', '=', id).executeTakeFirst();
  return row ? ((await deploymentViews(ctx, [row]))[0] ?? null) : null;
}
