/** Builds (what CI reported) as the API shows them. */
import { Type, type Static } from 'typebox';
import { CI_STATUSES } from '../enums.js';
import { BUILD_DEPLOYMENT_STATUSES } from '../states.js';
import { CommitView, DateTime, Nullable, NullableDateTime, PageOf } from './common.js';
import { DeploymentView } from './deployments.js';

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
  commit: Nullable(CommitView),
  pipeline_url: Nullable(Type.String({ description: "the CI pipeline's page, an http(s) URL" })),
});
export type BuildView = Static<typeof BuildView>;

/** One build with its CI payload and its deployments, newest first. */
export const BuildDetail = Type.Intersect([
  BuildView,
  Type.Object({ payload: Type.Unknown(), deployments: Type.Array(DeploymentView) }),
]);
export type BuildDetail = Static<typeof BuildDetail>;

export const BuildList = PageOf('builds', BuildView);
export type BuildList = Static<typeof BuildList>;
