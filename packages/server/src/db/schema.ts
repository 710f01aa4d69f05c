/** Kysely table types, kept by hand in step with migrations/*.sql. */
import type { ColumnType, Generated, Selectable, Updateable } from 'kysely';
import type {
  ApprovalDecision,
  BuildSource,
  CiStatus,
  DeploymentStatus,
  DeploymentTrigger,
  DeploymentType,
  FailureReason,
  ForgeSyncState,
  FreezeKind,
  Locale,
  MemberRole,
  ProjectSource,
  UserRole,
} from '@polytene/protocol';

import type { CreatedAt, Id, Json, Timestamp } from './column-types.js';
import type {
  GitlabInstancesTable,
  GitlabConnectionsTable,
  GitlabDeployKeysTable,
  GitlabDeploymentReportsTable,
  GithubStatusReportsTable,
  GitlabJobEventsTable,
  NotificationDeliveriesTable,
  NotificationHooksTable,
  NotificationHookDeliveriesTable,
} from './integration-tables.js';

export type * from './integration-tables.js';

export interface UsersTable {
  id: Id;
  login: string;
  email: string;
  name: Generated<string>;
  password_hash: string;
  role: UserRole;
  locale: Generated<Locale>;
  must_change_password: Generated<boolean>;
  disabled: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface SessionsTable {
  id: Id;
  token_hash: string;
  user_id: number;
  created_at: CreatedAt;
  last_seen_at: CreatedAt;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: Id;
  user_id: number;
  name: string;
  token_hash: string;
  token_prefix: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** An invitation by email (0011): the token's SHA-256 only; used once, before expires_at. */
export interface InvitationsTable {
  id: Id;
  email: string;
  role: UserRole;
  token_hash: string;
  invited_by: number | null;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  accepted_user_id: number | null;
  revoked_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface RunnersTable {
  id: Id;
  name: string;
  owner_id: number | null;
  token_hash: string;
  active: Generated<boolean>;
  shared: Generated<boolean>;
  public_key: string | null;
  public_key_fingerprint: string | null;
  concurrency: Generated<number>;
  version: string | null;
  hostname: string | null;
  last_seen_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface ProjectsTable {
  id: Id;
  name: string;
  source: Generated<ProjectSource>;
  gitlab_url: string | null;
  gitlab_project_id: number | null;
  gitlab_hook_id: number | null;
  gitlab_report: Generated<boolean>;
  clone_url: string;
  http_url: string | null;
  web_url: string | null;
  default_branch: Generated<string>;
  owner_id: number | null;
  public: Generated<boolean>;
  runner_id: number | null;
  webhook_secret_encrypted: string;
  webhook_secret_hash: string;
  deploy_key_state: ForgeSyncState | null;
  deploy_key_error: string | null;
  /** The user whose GitLab connection serves this project (0005). */
  gitlab_user_id: number | null;
  gitlab_hook_error: string | null;
  /** Polytene's webhook in GitLab (0006): null when not from GitLab. */
  gitlab_hook_state: ForgeSyncState | null;
  /** The GitLab instance the project lives in (0008); gitlab_url is a copy of its URL. */
  gitlab_instance_id: number | null;
  /** The GitHub repository `owner/name` whose workflow runs are its builds (0015): set iff source github. */
  github_repository: string | null;
  /** The GitHub API it reports commit statuses to, e.g. https://api.github.com (0015). */
  github_api_url: string | null;
  /** The token for commit statuses, encrypted with ctx.secrets (0015); null: statuses are not reported. */
  github_token_encrypted: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface ProjectMembersTable {
  project_id: number;
  user_id: number;
  /** 0009_member_roles.sql; projects/access.ts says what each role allows. */
  role: ColumnType<MemberRole, MemberRole | undefined, MemberRole>;
  created_at: CreatedAt;
}

/** One branch variable as stored: a secret one holds `encrypted` instead of `value`. */
export interface StoredVariable {
  key: string;
  secret: boolean;
  value?: string;
  encrypted?: string;
}

export interface BranchConfigsTable {
  id: Id;
  project_id: number;
  branch_name: string;
  deployment_type: Generated<DeploymentType>;
  deployment_script: Generated<string>;
  /** The environment's name, kept equal to `environments.name` by the database (migration 0013). */
  environment: Generated<string>;
  /** Set by the database from `environment` when only the name is given. */
  environment_id: Generated<number>;
  artifacts_dir: Generated<string>;
  notification_emails: Generated<string[]>;
  failed_build_can_be_auto_deployed: Generated<boolean>;
  timeout_seconds: Generated<number>;
  variables: ColumnType<StoredVariable[], string | undefined, string>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** One host of an environment, written into the runner's Ansible inventory. */
export interface StoredTarget {
  name: string;
  address: string;
  groups: string[];
  variables: Record<string, string | number | boolean>;
}

export interface EnvironmentsTable {
  id: Id;
  project_id: number;
  name: string;
  position: Generated<number>;
  url: string | null;
  variables: ColumnType<StoredVariable[], string | undefined, string>;
  targets: ColumnType<StoredTarget[], string | undefined, string>;
  /** A hold (0018): who held automatic deployment here, when, why, and the rollback that did (if one). */
  held_by: number | null;
  held_at: Timestamp | null;
  hold_reason: string | null;
  held_by_deployment_id: number | null;
  /** How long a deployment may wait in a freeze before it is canceled (0017); null: for ever. */
  freeze_expire_hours: number | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  /** Protection (0016): only admins, maintainers and the listed deployers deploy; approvals required. */
  protected: Generated<boolean>;
  required_approvals: Generated<number>;
}

export interface EnvironmentDeployersTable {
  environment_id: number;
  user_id: number;
}

/** One person's decision on a deployment awaiting approval (0016), once per person. */
export interface DeploymentApprovalsTable {
  id: Id;
  deployment_id: number;
  user_id: number;
  decision: ApprovalDecision;
  comment: string | null;
  created_at: CreatedAt;
}

/** A time in which nothing is deployed to an environment (migration 0017); the kind says which fields are set. */
export interface FreezeWindowsTable {
  id: Id;
  environment_id: number;
  kind: FreezeKind;
  /** recurring: 0 = Sunday; times are 'HH:MM:SS' wall-clock times in `time_zone` */
  starts_weekday: number | null;
  starts_time: string | null;
  ends_weekday: number | null;
  ends_time: string | null;
  time_zone: string | null;
  /** once */
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  reason: string | null;
  created_by: number | null;
  created_at: CreatedAt;
}

export interface BuildsTable {
  id: Id;
  project_id: number;
  branch_config_id: number | null;
  external_id: string | null;
  source: BuildSource;
  status: CiStatus;
  ref: string;
  is_tag: Generated<boolean>;
  sha: string;
  before_sha: string | null;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  payload: Json | null;
  auto_deploy_handled: Generated<boolean>;
  /** The commit's context (0014): its first line, author, link and time, and the CI pipeline's link. */
  commit_title: string | null;
  commit_author_name: string | null;
  commit_author_email: string | null;
  commit_url: string | null;
  pipeline_url: string | null;
  committed_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface DeploymentsTable {
  id: Id;
  build_id: number;
  project_id: number;
  branch_config_id: number | null;
  /** The environment's name, kept equal to `environments.name` by the database (migration 0013). */
  environment: string;
  environment_id: Generated<number>;
  status: Generated<DeploymentStatus>;
  failure_reason: FailureReason | null;
  exit_code: number | null;
  message: string | null;
  trigger: DeploymentTrigger;
  triggered_by: number | null;
  runner_id: number | null;
  branch_name: string;
  script: string;
  artifacts_dir: string;
  timeout_seconds: number;
  job_token_hash: string | null;
  queued_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  lease_expires_at: Timestamp | null;
  cancel_requested_at: Timestamp | null;
  cancel_requested_by: number | null;
  last_log_n: Generated<number>;
  log_bytes: Generated<number>;
  logs_deleted_at: Timestamp | null;
  /** A build older than the one live in the environment when it was queued (0018). */
  rollback: Generated<boolean>;
  /** An admin's override of a freeze for this deployment (0017). */
  freeze_override_by: number | null;
  freeze_override_reason: string | null;
  freeze_override_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  /** The latest phase line's name or section started's header (migration 0019). */
  phase: string | null;
  phase_started_at: Timestamp | null;
}

/** The collapsible sections of a deployment's log, indexed at ingest (migration 0019). */
export interface LogSectionsTable {
  deployment_id: number;
  start_line: number;
  end_line: number | null;
  name: string;
  header: string;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  depth: number;
  collapsed: Generated<boolean>;
}

/** A deployment's log lines, a batch per row, encoded by logs/codec.ts (migration 0010). */
export interface LogChunksTable {
  deployment_id: number;
  first_n: number;
  last_n: number;
  lines: number;
  bytes: number;
  /** logs/limit.ts: 0 head, 1 tail, 2 the lines dropped between them. */
  part: Generated<number>;
  data: Buffer;
}

export interface AuditEventsTable {
  id: Id;
  actor_id: number | null;
  actor_login: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  project_id: number | null;
  before: Json | null;
  after: Json | null;
  ip: string | null;
  created_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  response: Json;
  created_at: CreatedAt;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  invitations: InvitationsTable;
  gitlab_connections: GitlabConnectionsTable;
  gitlab_instances: GitlabInstancesTable;
  runners: RunnersTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  branch_configs: BranchConfigsTable;
  environments: EnvironmentsTable;
  freeze_windows: FreezeWindowsTable;
  environment_deployers: EnvironmentDeployersTable;
  builds: BuildsTable;
  deployments: DeploymentsTable;
  deployment_approvals: DeploymentApprovalsTable;
  log_chunks: LogChunksTable;
  log_sections: LogSectionsTable;
  audit_events: AuditEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  gitlab_deploy_keys: GitlabDeployKeysTable;
  gitlab_deployment_reports: GitlabDeploymentReportsTable;
  github_status_reports: GithubStatusReportsTable;
  gitlab_job_events: GitlabJobEventsTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_hooks: NotificationHooksTable;
  notification_hook_deliveries: NotificationHookDeliveriesTable;
}

export type User = Selectable<UsersTable>;
export type Invitation = Selectable<InvitationsTable>;
export type Runner = Selectable<RunnersTable>;
export type Project = Selectable<ProjectsTable>;
export type BranchConfig = Selectable<BranchConfigsTable>;
export type Environment = Selectable<EnvironmentsTable>;
export type FreezeWindow = Selectable<FreezeWindowsTable>;
export type Build = Selectable<BuildsTable>;
export type Deployment = Selectable<DeploymentsTable>;
export type DeploymentUpdate = Updateable<DeploymentsTable>;
export type NotificationHook = Selectable<NotificationHooksTable>;
export type NotificationHookDelivery = Selectable<NotificationHookDeliveriesTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
