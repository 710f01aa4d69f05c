-- Protected environments and approvals (issue 10 item 3; architecture.md §4): a protected environment
-- is deployed to by a person only when they are an admin, the project's owner or maintainer, or one of
-- its listed deployers; `required_approvals` > 0 makes each deployment wait in `awaiting_approval`
-- until that many other people approved it (one rejection cancels it).
ALTER TABLE environments
  ADD COLUMN protected boolean NOT NULL DEFAULT false,
  ADD COLUMN required_approvals integer NOT NULL DEFAULT 0
    CONSTRAINT environments_required_approvals_range CHECK (required_approvals BETWEEN 0 AND 10);

CREATE TABLE environment_deployers (
  environment_id bigint NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (environment_id, user_id)
);
CREATE INDEX environment_deployers_user ON environment_deployers (user_id);

CREATE TABLE deployment_approvals (
  id bigserial PRIMARY KEY,
  deployment_id bigint NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (deployment_id, user_id)
);

ALTER TABLE deployments DROP CONSTRAINT deployments_status_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_status_check
  CHECK (status IN ('awaiting_approval', 'queued', 'running', 'succeeded', 'failed', 'canceled', 'skipped'));

ALTER TABLE notification_hook_deliveries DROP CONSTRAINT notification_hook_deliveries_event_check;
ALTER TABLE notification_hook_deliveries ADD CONSTRAINT notification_hook_deliveries_event_check
  CHECK (event IN ('awaiting_approval', 'queued', 'started', 'succeeded', 'failed', 'canceled', 'recovered', 'test'));
