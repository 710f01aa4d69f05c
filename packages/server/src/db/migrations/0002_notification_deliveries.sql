-- Notifications already sent for a deployment, so a retried background job never sends one twice.
CREATE TABLE notification_deliveries (
  deployment_id bigint NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  channel text NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (deployment_id, channel)
);
