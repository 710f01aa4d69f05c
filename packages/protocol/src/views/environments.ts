/**
 * Environments (a project's places to deploy: qa, staging, production...) as the API shows them (the
 * bodies are in requests/environments.ts; docs/architecture.md, "Environments").
 */
import { Type, type Static } from 'typebox';
import { DEPLOYMENT_TRIGGERS } from '../enums.js';
import { DEPLOYMENT_STATUSES } from '../states.js';
import { CommitView, DateTime, ListOf, Nullable, NullableDateTime, UserRef } from './common.js';
import { VariableView } from './branches.js';
import { EnvironmentTargets } from '../targets.js';

/** A deployment as an environment shows it: what is live there, or its latest attempt. */
export const EnvironmentDeployment = Type.Object({
  deployment_id: Type.Integer(),
  status: Type.Enum(DEPLOYMENT_STATUSES),
  trigger: Type.Enum(DEPLOYMENT_TRIGGERS),
  rollback: Type.Boolean({ description: 'it deploys a build older than the one live before it' }),
  build: Type.Object({
    id: Type.Integer(),
    ref: Type.String(),
    sha: Type.String(),
    commit: Nullable(CommitView),
  }),
  triggered_by: Nullable(UserRef),
  queued_at: DateTime,
  started_at: NullableDateTime,
  finished_at: NullableDateTime,
  duration_seconds: Nullable(Type.Integer()),
  phase: Nullable(
    Type.String({ description: 'the phase of a running deployment (log-sections.ts); else null' }),
  ),
});
export type EnvironmentDeployment = Static<typeof EnvironmentDeployment>;

/** Who held automatic deployment in an environment, when and why; `deployment_id`: the rollback that did. */
export const EnvironmentHold = Type.Object({
  by: UserRef,
  at: DateTime,
  reason: Type.String(),
  deployment_id: Nullable(Type.Integer()),
});
export type EnvironmentHold = Static<typeof EnvironmentHold>;

export const EnvironmentView = Type.Object({
  id: Type.Integer(),
  project_id: Type.Integer(),
  name: Type.String(),
  position: Type.Integer({ description: 'pipeline order: lower comes first (qa before production)' }),
  url: Nullable(Type.String(), { description: "the deployed app's address" }),
  variables: Type.Array(VariableView, { description: "override the branch's variables of the same key" }),
  targets: EnvironmentTargets,
  live: Nullable(EnvironmentDeployment, {
    description: 'the last succeeded deployment: what runs there now',
  }),
  last: Nullable(EnvironmentDeployment, {
    description: 'the latest deployment that started, when it is not the live one (a failed redeploy)',
  }),
  waiting: Type.Integer({ description: 'deployments that have not started yet' }),
  hold: Nullable(EnvironmentHold, {
    description: 'while set, automatic deployments wait here until someone resumes (POST .../resume)',
  }),
  frozen_until: NullableDateTime,
  freeze_expire_hours: Nullable(Type.Integer(), {
    description: 'a deployment waiting in a freeze longer than this is canceled; null: it waits',
  }),
  protected: Type.Boolean({ description: 'only admins, maintainers and `deployers` may deploy here' }),
  required_approvals: Type.Integer({ description: 'approvals each deployment needs before it is queued' }),
  deployers: Type.Array(UserRef, { description: 'who may deploy here when protected, besides maintainers' }),
  created_at: DateTime,
  updated_at: DateTime,
});
export type EnvironmentView = Static<typeof EnvironmentView>;

export const EnvironmentList = ListOf('environments', EnvironmentView);
export type EnvironmentList = Static<typeof EnvironmentList>;
