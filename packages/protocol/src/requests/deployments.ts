/** Bodies of the deployment routes. */
import { Type, type Static } from 'typebox';
import { APPROVAL_DECISIONS } from '../enums.js';
import { APPROVAL_LIMITS } from '../limits.js';
import { DEPLOYMENT_STATUSES } from '../states.js';

const Id = Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 });

/** The filters of GET /deployments, also taken by its export (GET /exports/deployments). */
export const DeploymentFilters = Type.Object({
  project_id: Type.Optional(Id),
  status: Type.Optional(Type.Enum(DEPLOYMENT_STATUSES)),
  waiting: Type.Optional(
    Type.Boolean({ description: 'only those that have not started: awaiting approval or queued' }),
  ),
  environment: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  environment_id: Type.Optional(Id),
  triggered_by: Type.Optional(Type.Union([Id, Type.Literal('auto')], { description: 'a user id, or auto' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'queued at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'queued before' })),
});
export type DeploymentFilters = Static<typeof DeploymentFilters>;

/** POST /deployments/:id/approvals: approve or reject a deployment awaiting approval. */
export const ApprovalBody = Type.Object(
  {
    decision: Type.Enum(APPROVAL_DECISIONS),
    comment: Type.Optional(Type.String({ maxLength: APPROVAL_LIMITS.comment.maxLength })),
  },
  { additionalProperties: false },
);
export type ApprovalBody = Static<typeof ApprovalBody>;
