/** Bodies that create and change an environment. */
import { Type, type Static } from 'typebox';
import { BRANCH_LIMITS, ENVIRONMENT_LIMITS as L, FREEZE_LIMITS } from '../limits.js';
import { Nullable } from '../views/common.js';
import { EnvironmentTargets } from '../targets.js';
import { VariableInput } from './branches.js';

const environmentFields = {
  name: Type.String({ minLength: 1, maxLength: L.name.maxLength }),
  position: Type.Integer(L.position),
  url: Nullable(Type.String({ maxLength: L.url.maxLength, description: 'http or https' })),
  variables: Type.Array(VariableInput, { maxItems: BRANCH_LIMITS.variables.maxItems }),
  targets: EnvironmentTargets,
  freeze_expire_hours: Nullable(Type.Integer(FREEZE_LIMITS.expire_hours)),
  protected: Type.Boolean({
    description: 'only admins, maintainers and the listed deployers may deploy to a protected environment',
  }),
  required_approvals: Type.Integer({
    ...L.required_approvals,
    description: 'how many other people must approve each deployment before it is queued',
  }),
  deployers: Type.Array(Type.Integer({ minimum: 1 }), {
    ...L.deployers,
    uniqueItems: true,
    description: 'ids of the project members who may deploy to it when protected',
  }),
};

export const EnvironmentCreateBody = Type.Object(
  {
    name: environmentFields.name,
    position: Type.Optional(environmentFields.position),
    url: Type.Optional(environmentFields.url),
    variables: Type.Optional(environmentFields.variables),
    targets: Type.Optional(environmentFields.targets),
    freeze_expire_hours: Type.Optional(environmentFields.freeze_expire_hours),
    protected: Type.Optional(environmentFields.protected),
    required_approvals: Type.Optional(environmentFields.required_approvals),
    deployers: Type.Optional(environmentFields.deployers),
  },
  { additionalProperties: false },
);
export type EnvironmentCreateBody = Static<typeof EnvironmentCreateBody>;

export const EnvironmentUpdateBody = Type.Partial(EnvironmentCreateBody, { additionalProperties: false });
export type EnvironmentUpdateBody = Static<typeof EnvironmentUpdateBody>;

/** POST /environments/:id/hold: stop automatic deployment there until resumed; the reason is required. */
export const EnvironmentHoldBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: L.holdReason.maxLength }) },
  { additionalProperties: false },
);
export type EnvironmentHoldBody = Static<typeof EnvironmentHoldBody>;

/**
 * POST /environments/:id/rollback: deploy again the build of `deployment_id` (a succeeded deployment of
 * this environment); without it, the one live before the current live one.
 */
export const EnvironmentRollbackBody = Type.Object(
  { deployment_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 })) },
  { additionalProperties: false },
);
export type EnvironmentRollbackBody = Static<typeof EnvironmentRollbackBody>;
