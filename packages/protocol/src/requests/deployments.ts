/** Bodies of the deployment routes. */
import { Type, type Static } from 'typebox';
import { APPROVAL_DECISIONS } from '../enums.js';
import { APPROVAL_LIMITS } from '../limits.js';

/** POST /deployments/:id/approvals: approve or reject a deployment awaiting approval. */
export const ApprovalBody = Type.Object(
  {
    decision: Type.Enum(APPROVAL_DECISIONS),
    comment: Type.Optional(Type.String({ maxLength: APPROVAL_LIMITS.comment.maxLength })),
  },
  { additionalProperties: false },
);
export type ApprovalBody = Static<typeof ApprovalBody>;
