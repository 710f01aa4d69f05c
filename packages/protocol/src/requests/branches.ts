/** Bodies of a project's branch configs. */
import { Type, type Static } from 'typebox';
import { BRANCH_LIMITS as L } from '../limits.js';
import { DeploymentTypeSchema } from '../views/branches.js';

/** A variable as a person sends it: a secret sent without a value keeps its stored value. */
export const VariableInput = Type.Object(
  {
    key: Type.String({
      minLength: 1,
      maxLength: L.variable_key.maxLength,
      description: 'an environment variable name',
    }),
    value: Type.Optional(
      Type.Union([Type.String({ maxLength: L.variable_value.maxLength }), Type.Null()], {
        description: 'null or omitted on a secret variable keeps its stored value',
      }),
    ),
    secret: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type VariableInput = Static<typeof VariableInput>;

const fields = {
  deployment_type: Type.Optional(DeploymentTypeSchema),
  deployment_script: Type.Optional(
    Type.String({
      maxLength: L.deployment_script.maxLength,
      pattern: '^$|\\S',
      description: 'empty, or not only spaces',
    }),
  ),
  environment: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: L.environment.maxLength,
      description: 'default production',
    }),
  ),
  artifacts_dir: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: L.artifacts_dir.maxLength,
      description: 'default polytene',
    }),
  ),
  notification_emails: Type.Optional(
    Type.Array(Type.String({ format: 'email', maxLength: L.notification_email.maxLength }), {
      maxItems: L.notification_emails.maxItems,
    }),
  ),
  failed_build_can_be_auto_deployed: Type.Optional(Type.Boolean()),
  timeout_seconds: Type.Optional(Type.Integer({ ...L.timeout_seconds, description: 'default 7200' })),
  variables: Type.Optional(Type.Array(VariableInput, { maxItems: L.variables.maxItems })),
};
const BranchName = Type.String({ minLength: 1, maxLength: L.branch_name.maxLength });

/** A new branch config: only the branch is required, the rest has defaults. */
export const CreateBranchConfigBody = Type.Object(
  { branch_name: BranchName, ...fields },
  { additionalProperties: false },
);
export type CreateBranchConfigBody = Static<typeof CreateBranchConfigBody>;

/** A change of a branch config; a secret variable sent without a value keeps its stored one. */
export const UpdateBranchConfigBody = Type.Object(
  { branch_name: Type.Optional(BranchName), ...fields },
  { additionalProperties: false },
);
export type UpdateBranchConfigBody = Static<typeof UpdateBranchConfigBody>;
