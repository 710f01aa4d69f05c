import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import { BUILD_DEPLOYMENT_STATUSES, CI_STATUSES, type BuildDeploymentStatus } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { Build } from '../db/schema.js';
import { DateTime, NullableDateTime, iso } from '../http/schemas.js';
import { DeploymentView, Nullable } from '../deployments/view.js';

export const CiStatusSchema = Type.Enum(CI_STATUSES);
export const BuildDeploymentStatusSchema = Type.Enum(BUILD_DEPLOYMENT_STATUSES);

export const BuildView = Type.Object({
  id: Type.Integer(),
  project_id: Type.Integer(),
  branch_config_id: Nullable(Type.Integer()),
  source: Type.String(),
  external_id: Nullable(Type.String()),
  status: CiStatusSchema,
  ref: Type.String(),
  is_tag: Type.Boolean(),
  sha: Type.String(),
  before_sha: Nullable(Type.String()),
  started_at: NullableDateTime,
  finished_at: NullableDateTime,
  created_at: DateTime,
  updated_at: DateTime,
  deployment_status: BuildDeploymentStatusSchema,
});
export type BuildView = Static<typeof BuildView>;

export const BuildDetail = Type.Intersect([
  BuildView,
  Type.Object({ payload: Type.Unknown(), deployments: Type.Array(DeploymentView) }),
]);

/** A build's deployment status: the status of its latest deployment, or `not_deployed`. */
export const deploymentStatusOfBuild = sql<BuildDeploymentStatus>`coalesce((
  SELECT d.status FROM deployments d WHERE d.build_id = builds.id ORDER BY d.id DESC LIMIT 1
), 'not_deployed')`;

/** Builds with their deployment status; add conditions, order and paging to it. */
export function buildRows(db: Db) {
  return db.selectFrom('builds').selectAll('builds').select(deploymentStatusOfBuild.as('deployment_status'));
}

export function toBuildView(row: Build & { deployment_status: BuildDeploymentStatus }): BuildView {
  return {
    id: row.id,
    project_id: row.project_id,
    branch_config_id: row.branch_config_id,
    source: row.source,
    external_id: row.external_id,
    status: row.status,
    ref: row.ref,
    is_tag: row.is_tag,
    sha: row.sha,
    before_sha: row.before_sha,
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    deployment_status: row.deployment_status,
  };
}
