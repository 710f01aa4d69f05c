/**
 * Every enumeration the server stores and the API speaks, once. The database CHECK lists are compared
 * with these arrays by a test (server db/enum-checks.test.ts); deployment statuses, failure reasons and
 * log streams live next to the code that uses them (states.ts, runner.ts) and are listed there too.
 * No imports: the web bundles this file on its own (`@polytene/protocol/enums`).
 */

/** A user's role on the whole server. */
export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** What a person decides on a deployment awaiting approval in a protected environment. */
export const APPROVAL_DECISIONS = ['approve', 'reject'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** A member's role on a project: viewer looks, deployer also deploys, maintainer also changes it. */
export const MEMBER_ROLES = ['viewer', 'deployer', 'maintainer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** The languages of the UI and of notification email. */
export const LOCALES = ['en', 'pl'] as const;
export type Locale = (typeof LOCALES)[number];

/** Where a project came from: created by hand, imported from GitLab, or connected to a GitHub repository. */
export const PROJECT_SOURCES = ['manual', 'gitlab', 'github'] as const;
export type ProjectSource = (typeof PROJECT_SOURCES)[number];

/** The state of something Polytene keeps in step in a forge: a deploy key, a webhook. */
export const FORGE_SYNC_STATES = ['pending', 'registered', 'failed'] as const;
export type ForgeSyncState = (typeof FORGE_SYNC_STATES)[number];

/** How a branch's builds are deployed: by a person, or as soon as CI succeeds. */
export const DEPLOYMENT_TYPES = ['manual', 'auto'] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

/** Who started a deployment: the auto-deploy rule or a person. */
export const DEPLOYMENT_TRIGGERS = ['auto', 'user'] as const;
export type DeploymentTrigger = (typeof DEPLOYMENT_TRIGGERS)[number];

/** Which intake recorded a build. */
export const BUILD_SOURCES = [
  'gitlab_pipeline',
  'gitlab_job',
  'legacy',
  'generic',
  'api',
  'github_workflow_run',
] as const;
export type BuildSource = (typeof BUILD_SOURCES)[number];

/** A CI pipeline's status as Polytene records it (GitLab's names; other CIs are mapped onto them). */
export const CI_STATUSES = [
  'created',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'skipped',
  'manual',
] as const;
export type CiStatus = (typeof CI_STATUSES)[number];

/**
 * Why a deployment that has not started waits, most pressing first: approvals missing, a freeze window,
 * the environment held (automatic deployments only), another deployment ahead in the environment, no
 * runner that may take it online.
 */
export const WAITING_REASONS = ['approval', 'freeze', 'hold', 'behind', 'no_runner'] as const;
export type WaitingReason = (typeof WAITING_REASONS)[number];

/** A freeze window: every week from a weekday and time to another (in a time zone), or one range of time. */
export const FREEZE_KINDS = ['recurring', 'once'] as const;
export type FreezeKind = (typeof FREEZE_KINDS)[number];

/** How the runner a waiting deployment needs is not there: paused, offline, or none exists at all. */
export const MISSING_RUNNER_STATES = ['paused', 'offline', 'none'] as const;
export type MissingRunnerState = (typeof MISSING_RUNNER_STATES)[number];

/** What a notification hook is: a generic signed JSON webhook, a Slack or a Teams incoming webhook. */
export const NOTIFICATION_HOOK_KINDS = ['webhook', 'slack', 'teams'] as const;
export type NotificationHookKind = (typeof NOTIFICATION_HOOK_KINDS)[number];

/** The deployment events a hook may ask for; `recovered` is a success after a failure in the same environment. */
export const NOTIFICATION_EVENTS = [
  'awaiting_approval',
  'queued',
  'started',
  'succeeded',
  'failed',
  'canceled',
  'recovered',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** What a delivery records: `test` is the event POST /notification-hooks/:id/test sends. */
export const NOTIFICATION_DELIVERY_EVENTS = [...NOTIFICATION_EVENTS, 'test'] as const;
export type NotificationDeliveryEvent = (typeof NOTIFICATION_DELIVERY_EVENTS)[number];

export const NOTIFICATION_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type NotificationDeliveryStatus = (typeof NOTIFICATION_DELIVERY_STATUSES)[number];

/**
 * The SSE event names of GET /api/v1/events: `change` carries a ListEvent (views/events.ts), `resync`
 * (no data) says events may have been missed, so a list should fetch again.
 */
export const LIST_SSE_EVENTS = ['change', 'resync'] as const;
export type ListSseEvent = (typeof LIST_SSE_EVENTS)[number];

/** What happened to an environment, as a list event says. */
export const ENVIRONMENT_CHANGES = ['created', 'updated', 'deleted'] as const;
export type EnvironmentChange = (typeof ENVIRONMENT_CHANGES)[number];

/** What happened to a runner, as a list event says: changed by a person, or came online / went offline. */
export const RUNNER_CHANGES = [...ENVIRONMENT_CHANGES, 'online', 'offline'] as const;
export type RunnerChange = (typeof RUNNER_CHANGES)[number];
