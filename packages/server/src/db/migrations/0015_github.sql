-- GitHub Actions as a second CI (architecture.md §7, §8): a project may be connected to one GitHub
-- repository; its workflow_run webhooks record builds and its deployments are reported back to GitHub
-- as commit statuses `polytene/<environment>`.
ALTER TABLE projects
  ADD COLUMN github_repository text CHECK (github_repository ~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$'),
  ADD COLUMN github_api_url text,
  -- encrypted with the server's secret key like the webhook secret; never shown again
  ADD COLUMN github_token_encrypted text,
  ADD CONSTRAINT projects_github_complete
    CHECK ((github_repository IS NULL) = (github_api_url IS NULL)
       AND (source = 'github') = (github_repository IS NOT NULL));

ALTER TABLE projects DROP CONSTRAINT projects_source_check;
ALTER TABLE projects ADD CONSTRAINT projects_source_check CHECK (source IN ('manual', 'gitlab', 'github'));

ALTER TABLE builds DROP CONSTRAINT builds_source_check;
ALTER TABLE builds ADD CONSTRAINT builds_source_check
  CHECK (source IN ('gitlab_pipeline', 'gitlab_job', 'legacy', 'generic', 'api', 'github_workflow_run'));

-- What the last report of each deployment told GitHub (a repeated job sends nothing twice) and its error.
CREATE TABLE github_status_reports (
  deployment_id bigint PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
  state text,
  error text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
