-- Rollbacks and holds (issue 10 items 2 and 5; architecture.md §4, "Rollbacks and holds").
-- A deployment of a build older than the one live in its environment is a rollback: marked so wherever
-- it is shown. "Older" is a lower build id of the same project (builds.id grows as builds arrive).
ALTER TABLE deployments ADD COLUMN rollback boolean NOT NULL DEFAULT false;

-- Existing rows: older than the build of the environment's last succeeded deployment before it.
UPDATE deployments d SET rollback = true
WHERE d.build_id < (
  SELECT live.build_id FROM deployments live
  WHERE live.environment_id = d.environment_id AND live.status = 'succeeded' AND live.id < d.id
  ORDER BY live.id DESC LIMIT 1);

-- A held environment starts no automatic deployment until someone resumes it: who held it, when, why,
-- and the rollback that held it (null for a manual hold).
ALTER TABLE environments
  ADD COLUMN held_by bigint REFERENCES users (id),
  ADD COLUMN held_at timestamptz,
  ADD COLUMN hold_reason text,
  ADD COLUMN held_by_deployment_id bigint REFERENCES deployments (id) ON DELETE SET NULL,
  ADD CONSTRAINT environments_hold_complete CHECK (
    (held_by IS NULL AND held_at IS NULL AND hold_reason IS NULL AND held_by_deployment_id IS NULL)
    OR (held_by IS NOT NULL AND held_at IS NOT NULL AND hold_reason IS NOT NULL));
