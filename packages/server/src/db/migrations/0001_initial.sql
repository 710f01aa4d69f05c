-- Polytene initial schema (architecture.md §4).
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  login text NOT NULL UNIQUE,
  email text NOT NULL,
  name text NOT NULL DEFAULT '',
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'pl')),
  must_change_password boolean NOT NULL DEFAULT false,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  id bigserial PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  token_prefix text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE gitlab_connections (
  user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  gitlab_url text NOT NULL,
  token_encrypted text NOT NULL,
  verified_username text,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE runners (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  owner_id bigint REFERENCES users (id) ON DELETE SET NULL,
  token_hash text NOT NULL UNIQUE,
  active boolean NOT NULL DEFAULT true,
  shared boolean NOT NULL DEFAULT false,
  public_key text,
  public_key_fingerprint text,
  concurrency integer NOT NULL DEFAULT 1,
  version text,
  hostname text,
  last_seen_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'gitlab')),
  gitlab_url text,
  gitlab_project_id bigint,
  gitlab_hook_id bigint,
  gitlab_report boolean NOT NULL DEFAULT true,
  clone_url text NOT NULL,
  http_url text,
  web_url text,
  default_branch text NOT NULL DEFAULT 'main',
  owner_id bigint REFERENCES users (id) ON DELETE SET NULL,
  public boolean NOT NULL DEFAULT false,
  runner_id bigint REFERENCES runners (id) ON DELETE SET NULL,
  webhook_secret_encrypted text NOT NULL,
  webhook_secret_hash text NOT NULL UNIQUE,
  deploy_key_state text CHECK (deploy_key_state IN ('pending', 'registered', 'failed')),
  deploy_key_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX projects_gitlab_unique ON projects (gitlab_url, gitlab_project_id) WHERE gitlab_project_id IS NOT NULL;

CREATE TABLE project_members (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);

CREATE TABLE branch_configs (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  branch_name text NOT NULL,
  deployment_type text NOT NULL DEFAULT 'manual' CHECK (deployment_type IN ('manual', 'auto')),
  deployment_script text NOT NULL DEFAULT '',
  environment text NOT NULL DEFAULT 'production',
  artifacts_dir text NOT NULL DEFAULT 'polytene',
  notification_emails text[] NOT NULL DEFAULT '{}',
  failed_build_can_be_auto_deployed boolean NOT NULL DEFAULT false,
  timeout_seconds integer NOT NULL DEFAULT 7200 CHECK (timeout_seconds > 0),
  -- [{key, value, secret}] where a secret value is encrypted at rest
  variables jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, branch_name)
);

CREATE TABLE builds (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  branch_config_id bigint REFERENCES branch_configs (id) ON DELETE SET NULL,
  external_id text,
  source text NOT NULL CHECK (source IN ('gitlab_pipeline', 'gitlab_job', 'legacy', 'generic', 'api')),
  status text NOT NULL CHECK (status IN ('created', 'pending', 'running', 'success', 'failed', 'canceled', 'skipped', 'manual')),
  ref text NOT NULL,
  is_tag boolean NOT NULL DEFAULT false,
  sha text NOT NULL,
  before_sha text,
  started_at timestamptz,
  finished_at timestamptz,
  payload jsonb,
  auto_deploy_handled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX builds_external_unique ON builds (project_id, source, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX builds_project_idx ON builds (project_id, id DESC);

CREATE TABLE deployments (
  id bigserial PRIMARY KEY,
  build_id bigint NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  branch_config_id bigint REFERENCES branch_configs (id) ON DELETE SET NULL,
  environment text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled', 'skipped')),
  failure_reason text CHECK (failure_reason IN ('script_failure', 'timeout', 'runner_lost', 'runner_error')),
  exit_code integer,
  message text,
  trigger text NOT NULL CHECK (trigger IN ('auto', 'user')),
  triggered_by bigint REFERENCES users (id) ON DELETE SET NULL,
  runner_id bigint REFERENCES runners (id) ON DELETE SET NULL,
  -- what runs, fixed when the deployment is queued
  branch_name text NOT NULL,
  script text NOT NULL,
  artifacts_dir text NOT NULL,
  timeout_seconds integer NOT NULL,
  job_token_hash text UNIQUE,
  queued_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  lease_expires_at timestamptz,
  cancel_requested_at timestamptz,
  cancel_requested_by bigint REFERENCES users (id) ON DELETE SET NULL,
  last_log_n integer NOT NULL DEFAULT 0,
  log_bytes bigint NOT NULL DEFAULT 0,
  logs_deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
);
CREATE INDEX deployments_queue_idx ON deployments (queued_at, id) WHERE status = 'queued';
CREATE UNIQUE INDEX deployments_one_running_per_env ON deployments (project_id, environment) WHERE status = 'running';
CREATE INDEX deployments_build_idx ON deployments (build_id, id DESC);
CREATE INDEX deployments_project_env_idx ON deployments (project_id, environment, id DESC);
CREATE INDEX deployments_lease_idx ON deployments (lease_expires_at) WHERE status = 'running';

CREATE TABLE log_lines (
  deployment_id bigint NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  n integer NOT NULL,
  stream text NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
  t timestamptz NOT NULL,
  text text NOT NULL,
  PRIMARY KEY (deployment_id, n)
);

CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  actor_id bigint REFERENCES users (id) ON DELETE SET NULL,
  actor_login text,
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text,
  project_id bigint,
  before jsonb,
  after jsonb,
  ip text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_created_idx ON audit_events (created_at DESC, id DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id DESC);
CREATE INDEX audit_events_project_idx ON audit_events (project_id, id DESC);

CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
