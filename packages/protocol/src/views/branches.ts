/** Branch configs (how a branch deploys) as the API shows them. */
import { Type, type Static } from 'typebox';
import { DEPLOYMENT_TYPES } from '../enums.js';
import { DateTime, ListOf, Nullable } from './common.js';

export const DeploymentTypeSchema = Type.Enum(DEPLOYMENT_TYPES);

export const VariableView = Type.Object({
  key: Type.String(),
  value: Nullable(Type.String(), { description: 'null for a secret variable' }),
  secret: Type.Boolean(),
});
export type VariableView = Static<typeof VariableView>;

export const BranchConfigView = Type.Object({
  id: Type.Integer(),
  project_id: Type.Integer(),
  branch_name: Type.String(),
  deployment_type: DeploymentTypeSchema,
  deployment_script: Type.String(),
  environment: Type.String(),
  artifacts_dir: Type.String(),
  notification_emails: Type.Array(Type.String()),
  failed_build_can_be_auto_deployed: Type.Boolean(),
  timeout_seconds: Type.Integer(),
  variables: Type.Array(VariableView),
  created_at: DateTime,
  updated_at: DateTime,
});
export type BranchConfigView = Static<typeof BranchConfigView>;

export const BranchConfigList = ListOf('branches', BranchConfigView);
export type BranchConfigList = Static<typeof BranchConfigList>;
