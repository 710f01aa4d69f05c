/** Kysely table types of the integrations (GitLab, GitHub, notifications), in step with migrations/*.sql. */
import type { Generated } from 'kysely';
import type {
  ForgeSyncState,
  NotificationDeliveryEvent,
  NotificationDeliveryStatus,
  NotificationEvent,
  NotificationHookKind,
} from '@polytene/protocol';
import type { CreatedAt, Id, Json } from './column-types.js';

/** A GitLab an admin configured (0008); members store tokens only for these. */
export interface GitlabInstancesTable {
  id: Id;
  name: string;
  url: string;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface GitlabConnectionsTable {
  user_id: number;
  /** The GitLab instance the token is for (0008). */
  instance_id: number;
  token_encrypted: string;
  verified_username: string | null;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface GitlabDeployKeysTable {
  project_id: number;
  runner_id: number;
  fingerprint: string;
  gitlab_key_id: number | null;
  state: ForgeSyncState;
  error: string | null;
  updated_at: CreatedAt;
}

export interface GitlabDeploymentReportsTable {
  deployment_id: number;
  gitlab_deployment_id: number | null;
  deployment_status: string | null;
  commit_status: string | null;
  error: string | null;
  updated_at: CreatedAt;
}

/** What the last report of a deployment told GitHub (0015): its commit state, or the error it met. */
export interface GithubStatusReportsTable {
  deployment_id: number;
  state: string | null;
  error: string | null;
  updated_at: CreatedAt;
}

export interface GitlabJobEventsTable {
  project_id: number;
  job_id: number;
  pipeline_id: number | null;
  name: string;
  stage: string | null;
  status: string;
  ref: string;
  sha: string;
  payload: Json;
  updated_at: CreatedAt;
}

export interface NotificationDeliveriesTable {
  deployment_id: number;
  channel: string;
  sent_at: CreatedAt;
}

export interface NotificationHooksTable {
  id: Id;
  project_id: number;
  environment: string | null;
  kind: NotificationHookKind;
  url: string;
  secret_encrypted: string | null;
  events: NotificationEvent[];
  created_at: CreatedAt;
}

export interface NotificationHookDeliveriesTable {
  id: Id;
  hook_id: number;
  deployment_id: number | null;
  event: NotificationDeliveryEvent;
  status: Generated<NotificationDeliveryStatus>;
  attempts: Generated<number>;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}
