import { sql } from 'kysely';
import { BuildView, CiStatusSchema, type BuildDeploymentStatus } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { Build } from '../db/schema.js';
import { iso } from '../http/schemas.js';
import { toCommitView } from './commit.js';

/** The schemas live in protocol (views/builds.ts); re-exported for the modules that import them here. */
export { BuildView, CiStatusSchema };

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
    commit: toCommitView(row),
    pipeline_url: row.pipeline_url,
  };
}
