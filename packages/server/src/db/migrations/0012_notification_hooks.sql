-- Outgoing notifications (issue 11, item 1; architecture.md §9): a project's hooks, each a generic
-- signed webhook, a Slack or a Teams incoming webhook, optionally limited to one environment; and one
-- row per delivery of an event to a hook, with what its last attempt got back.
CREATE TABLE notification_hooks (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  environment text,
  kind text NOT NULL CHECK (kind IN ('webhook', 'slack', 'teams')),
  url text NOT NULL,
  secret_encrypted text,
  events text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_hooks_project ON notification_hooks (project_id);

CREATE TABLE notification_hook_deliveries (
  id bigserial PRIMARY KEY,
  hook_id bigint NOT NULL REFERENCES notification_hooks (id) ON DELETE CASCADE,
  deployment_id bigint REFERENCES deployments (id) ON DELETE CASCADE,
  event text NOT NULL CHECK (event IN ('queued', 'started', 'succeeded', 'failed', 'canceled', 'recovered', 'test')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  response_status integer,
  response_body text,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_hook_deliveries_hook ON notification_hook_deliveries (hook_id, id DESC);
-- One delivery of an event of a deployment to a hook, however often the change's job is retried.
CREATE UNIQUE INDEX notification_hook_deliveries_once
  ON notification_hook_deliveries (hook_id, deployment_id, event) WHERE deployment_id IS NOT NULL;
