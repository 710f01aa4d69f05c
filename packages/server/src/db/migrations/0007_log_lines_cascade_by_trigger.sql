-- Log ingest must reach 50,000 lines/s into one deployment (architecture.md §6). The foreign key of log_lines ran
-- one lookup of the deployment per inserted line: about 40% of the database time of a 5,000-line batch.
-- The only writer (runner-protocol/log-ingest.ts) inserts in the same statement that locks the
-- deployment row (FOR UPDATE), so a line cannot point at a missing deployment. Deleting deployments still
-- deletes their lines: this statement trigger does what ON DELETE CASCADE did, once per statement.
ALTER TABLE log_lines DROP CONSTRAINT log_lines_deployment_id_fkey;

CREATE FUNCTION delete_log_lines_of_deleted_deployments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM log_lines WHERE deployment_id IN (SELECT id FROM deleted_deployments);
  RETURN NULL;
END
$$;

CREATE TRIGGER deployments_delete_log_lines
  AFTER DELETE ON deployments
  REFERENCING OLD TABLE AS deleted_deployments
  FOR EACH STATEMENT EXECUTE FUNCTION delete_log_lines_of_deleted_deployments();
