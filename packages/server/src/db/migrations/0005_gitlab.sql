-- GitLab integration (issue 4): whose connection serves a project, its webhook's state, deploy keys per
-- runner, the GitLab deployment behind each Polytene deployment, and job events.
ALTER TABLE projects
  ADD COLUMN gitlab_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
  ADD COLUMN gitlab_hook_error text;

-- One row per (project, runner whose key must be a deploy key of the project).
CREATE TABLE gitlab_deploy_keys (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  runner_id bigint NOT NULL REFERENCES runners (id) ON DELETE CASCADE,
  fingerprint text NOT NULL,
  gitlab_key_id bigint,
  state text NOT NULL CHECK (state IN ('pending', 'registered', 'failed')),
  error text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, runner_id)
);

-- What was reported to GitLab about one deployment (Deployments API and commit status).
CREATE TABLE gitlab_deployment_reports (
  deployment_id bigint PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
  gitlab_deployment_id bigint,
  deployment_status text,
  commit_status text,
  error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The latest Job Hook seen for each GitLab job: job information, not builds (a pipeline is the build).
CREATE TABLE gitlab_job_events (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  job_id bigint NOT NULL,
  pipeline_id bigint,
  name text NOT NULL,
  stage text,
  status text NOT NULL,
  ref text NOT NULL,
  sha text NOT NULL,
  payload jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, job_id)
);
CREATE INDEX gitlab_job_events_pipeline_idx ON gitlab_job_events (project_id, pipeline_id);
