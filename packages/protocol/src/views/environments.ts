/**
 * Environments (a project's places to deploy: qa, staging, production...) as the API shows them, and the
 * bodies that create and change one (docs/architecture.md, "Environments").
 */
import { Type, type Static } from 'typebox';
import { BRANCH_LIMITS, ENVIRONMENT_LIMITS as L } from '../limits.js';
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
});
export type EnvironmentDeployment = Static<typeof EnvironmentDeployment>;

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
  created_at: DateTime,
  updated_at: DateTime,
});
export type EnvironmentView = Static<typeof EnvironmentView>;

export const EnvironmentList = ListOf('environments', EnvironmentView);
export type EnvironmentList = Static<typeof EnvironmentList>;

/** A variable as a person sends it: a secret sent without a value keeps its stored value. */
export const VariableInput = Type.Object(
  {
    key: Type.String({
      minLength: 1,
      maxLength: BRANCH_LIMITS.variable_key.maxLength,
      description: 'an environment variable name',
    }),
    value: Type.Optional(
      Type.Union([Type.String({ maxLength: BRANCH_LIMITS.variable_value.maxLength }), Type.Null()], {
        description: 'null or omitted on a secret variable keeps its stored value',
      }),
    ),
    secret: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type VariableInput = Static<typeof VariableInput>;

const environmentFields = {
  name: Type.String({ minLength: 1, maxLength: L.name.maxLength }),
  position: Type.Integer(L.position),
  url: Nullable(Type.String({ maxLength: L.url.maxLength, description: 'http or https' })),
  variables: Type.Array(VariableInput, { maxItems: BRANCH_LIMITS.variables.maxItems }),
  targets: EnvironmentTargets,
};

export const EnvironmentCreateBody = Type.Object(
  {
    name: environmentFields.name,
    position: Type.Optional(environmentFields.position),
    url: Type.Optional(environmentFields.url),
    variables: Type.Optional(environmentFields.variables),
    targets: Type.Optional(environmentFields.targets),
  },
  { additionalProperties: false },
);
export type EnvironmentCreateBody = Static<typeof EnvironmentCreateBody>;

export const EnvironmentUpdateBody = Type.Partial(EnvironmentCreateBody, { additionalProperties: false });
export type EnvironmentUpdateBody = Static<typeof EnvironmentUpdateBody>;
