/** Deployments, their log and their live events as the API shows them. */
import { Type, type Static } from 'typebox';
import { APPROVAL_DECISIONS, DEPLOYMENT_TRIGGERS, MISSING_RUNNER_STATES, WAITING_REASONS } from '../enums.js';
import { DEPLOYMENT_STATUSES, FAILURE_REASONS } from '../states.js';
import { JobControlStatus, LOG_STREAMS, LogLine } from '../runner.js';
import { FreezeOverrideView } from './freeze.js';
import { CommitView, DateTime, NamedRef, Nullable, NullableDateTime, PageOf, UserRef } from './common.js';

export const DeploymentStatusSchema = Type.Enum(DEPLOYMENT_STATUSES);

/**
 * Why a deployment that has not started waits (`WAITING_REASONS`), with what the reason needs: the
 * approvals given and required, the end of the freeze, who held the environment and why, the deployment
 * ahead, the missing runner. `message` says it in English words for the API and CLI; the web translates
 * from the other fields.
 */
export const WaitingFor = Type.Object({
  reason: Type.Enum(WAITING_REASONS),
  message: Type.String(),
  approvals: Type.Optional(Type.Object({ given: Type.Integer(), required: Type.Integer() })),
  until: Type.Optional(NullableDateTime),
  held_by: Type.Optional(Nullable(UserRef)),
  hold_reason: Type.Optional(Nullable(Type.String())),
  deployment_id: Type.Optional(Type.Integer({ description: 'the deployment ahead in the environment' })),
  runner: Type.Optional(
    Type.Object({
      id: Nullable(Type.Integer()),
      name: Nullable(Type.String()),
      state: Type.Enum(MISSING_RUNNER_STATES),
      since: NullableDateTime,
    }),
  ),
});
export type WaitingFor = Static<typeof WaitingFor>;

/** One person's decision on a deployment awaiting approval. */
export const ApprovalView = Type.Object({
  user: UserRef,
  decision: Type.Enum(APPROVAL_DECISIONS),
  comment: Nullable(Type.String()),
  created_at: DateTime,
});
export type ApprovalView = Static<typeof ApprovalView>;

/** A deployment as the API shows it; a running one being aborted has `cancel_requested: true`. */
export const DeploymentView = Type.Object({
  id: Type.Integer(),
  build: Type.Object({
    id: Type.Integer(),
    ref: Type.String(),
    sha: Type.String(),
    external_id: Nullable(Type.String()),
    commit: Nullable(CommitView),
    pipeline_url: Nullable(Type.String()),
  }),
  project: NamedRef,
  environment: Type.String(),
  environment_id: Type.Integer(),
  status: DeploymentStatusSchema,
  waiting_for: Nullable(WaitingFor, { description: 'why it has not started; null once it has' }),
  cancel_requested: Type.Boolean(),
  freeze_override: Nullable(FreezeOverrideView, { description: "an admin's override of a freeze" }),
  failure_reason: Nullable(Type.Enum(FAILURE_REASONS)),
  exit_code: Nullable(Type.Integer()),
  message: Nullable(Type.String()),
  trigger: Type.Enum(DEPLOYMENT_TRIGGERS),
  rollback: Type.Boolean({ description: 'it deploys a build older than the one live in the environment' }),
  triggered_by: Nullable(UserRef),
  runner: Nullable(NamedRef),
  queued_at: DateTime,
  started_at: NullableDateTime,
  finished_at: NullableDateTime,
  last_log_n: Type.Integer(),
  required_approvals: Type.Integer({
    description: 'approvals its environment requires now (0: none)',
  }),
  approvals: Type.Array(ApprovalView, { description: 'decisions on it, oldest first' }),
  can_approve: Type.Optional(
    Type.Boolean({
      description: 'whether the caller may approve or reject it now (single-deployment answers)',
    }),
  ),
  compare_url: Nullable(
    Type.String({
      description:
        "GitLab's comparison of the commit live in the environment before this deployment with the one it deploys",
    }),
  ),
  phase: Nullable(
    Type.String({
      description: "the latest phase line's name or section header of its log (log-sections.ts)",
    }),
  ),
  phase_started_at: NullableDateTime,
});
export type DeploymentView = Static<typeof DeploymentView>;

export const DeploymentList = PageOf('deployments', DeploymentView);
export type DeploymentList = Static<typeof DeploymentList>;

/** A page of a deployment's log (GET /deployments/:id/log). */
export const LogView = Type.Object({
  lines: Type.Array(
    Type.Object({ n: Type.Integer(), stream: Type.Enum(LOG_STREAMS), t: DateTime, text: Type.String() }),
  ),
  last_n: Type.Integer({ description: 'highest line number stored for this deployment' }),
  status: DeploymentStatusSchema,
  cancel_requested: Type.Boolean(),
});
export type LogView = Static<typeof LogView>;

/** One page of the lines matching a search (GET /deployments/:id/log/search), by line number. */
export const LogSearchView = Type.Object({
  matches: Type.Array(
    Type.Object({ n: Type.Integer(), stream: Type.Enum(LOG_STREAMS), text: Type.String() }),
  ),
  next_after: Nullable(
    Type.Integer({ description: 'pass as `after` for the next page; null when the log has no more matches' }),
  ),
});
export type LogSearchView = Static<typeof LogSearchView>;

/**
 * The Server-Sent Events of GET /deployments/:id/events: `log` (its SSE id is the last line number)
 * and `status`, sent on each change, `canceling` included; the stream ends after a final status.
 */
export const LogEvent = Type.Object({ lines: Type.Array(LogLine) });
export type LogEvent = Static<typeof LogEvent>;

export const StatusEvent = Type.Object({
  status: JobControlStatus,
  failure_reason: Nullable(Type.Enum(FAILURE_REASONS)),
  exit_code: Nullable(Type.Integer()),
  finished_at: NullableDateTime,
});
export type StatusEvent = Static<typeof StatusEvent>;

/** Each SSE event name with the payload its `data` carries. */
export interface DeploymentEvents {
  log: LogEvent;
  status: StatusEvent;
}
