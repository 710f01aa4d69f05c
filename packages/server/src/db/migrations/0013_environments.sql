-- Environments as entities (issue 10; architecture.md §4): each project's environments with their
-- pipeline position, the URL of the deployed app, their own variables and their Ansible targets.
-- Branch configs and deployments point at one by `environment_id`; their `environment` text stays as
-- the environment's name, kept equal to it by the triggers below (a rename reaches every row), so
-- everything that filters or labels by name keeps working and cannot drift from the entity.
CREATE TABLE environments (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name text NOT NULL,
  position integer NOT NULL DEFAULT 0,
  url text,
  -- [{key, value, secret}] like branch_configs.variables; they override the branch's by key
  variables jsonb NOT NULL DEFAULT '[]',
  -- [{name, address, groups, variables}]: the hosts written into the runner's Ansible inventory
  targets jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, name)
);

-- The usual pipeline order for the names teams use; anything else sits between test and staging.
CREATE FUNCTION environment_default_position(name text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN lower(name) IN ('dev', 'development', 'local') THEN 10
    WHEN lower(name) IN ('test', 'testing', 'qa', 'ci') THEN 20
    WHEN lower(name) IN ('staging', 'stage', 'preprod', 'pre-production', 'uat') THEN 40
    WHEN lower(name) IN ('production', 'prod', 'live') THEN 50
    ELSE 30
  END
$$;

-- The id of the project's environment called `env_name`, created when there is none yet.
CREATE FUNCTION environment_for(project bigint, env_name text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  found bigint;
BEGIN
  SELECT id INTO found FROM environments WHERE project_id = project AND name = env_name;
  IF found IS NULL THEN
    INSERT INTO environments (project_id, name, position)
    VALUES (project, env_name, environment_default_position(env_name))
    ON CONFLICT (project_id, name) DO NOTHING;
    SELECT id INTO found FROM environments WHERE project_id = project AND name = env_name;
  END IF;
  RETURN found;
END
$$;

-- A row's `environment_id` and `environment` name agree: a new id sets the name, a new name (or a row
-- given only a name) sets the id, creating the environment if needed.
CREATE FUNCTION environment_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.environment_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.environment_id IS DISTINCT FROM OLD.environment_id) THEN
    SELECT name INTO NEW.environment FROM environments
      WHERE id = NEW.environment_id AND project_id = NEW.project_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'environment % is not one of project %', NEW.environment_id, NEW.project_id
        USING ERRCODE = '23503';
    END IF;
  ELSE
    NEW.environment_id := environment_for(NEW.project_id, NEW.environment);
  END IF;
  RETURN NEW;
END
$$;

-- A renamed environment renames itself everywhere it is named.
CREATE FUNCTION environment_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE branch_configs SET environment = NEW.name WHERE environment_id = NEW.id;
  UPDATE deployments SET environment = NEW.name WHERE environment_id = NEW.id;
  UPDATE notification_hooks SET environment = NEW.name
    WHERE project_id = NEW.project_id AND environment = OLD.name;
  RETURN NULL;
END
$$;

INSERT INTO environments (project_id, name, position)
SELECT project_id, environment, environment_default_position(environment)
FROM (SELECT project_id, environment FROM branch_configs
      UNION SELECT project_id, environment FROM deployments) AS named
ON CONFLICT (project_id, name) DO NOTHING;

ALTER TABLE branch_configs ADD COLUMN environment_id bigint REFERENCES environments (id) ON DELETE RESTRICT;
UPDATE branch_configs b SET environment_id = e.id
  FROM environments e WHERE e.project_id = b.project_id AND e.name = b.environment;
ALTER TABLE branch_configs ALTER COLUMN environment_id SET NOT NULL;
CREATE INDEX branch_configs_environment_idx ON branch_configs (environment_id);

ALTER TABLE deployments ADD COLUMN environment_id bigint REFERENCES environments (id) ON DELETE CASCADE;
UPDATE deployments d SET environment_id = e.id
  FROM environments e WHERE e.project_id = d.project_id AND e.name = d.environment;
ALTER TABLE deployments ALTER COLUMN environment_id SET NOT NULL;

-- One running deployment per environment, now by its id (a rename cannot split the lock).
DROP INDEX deployments_one_running_per_env;
CREATE UNIQUE INDEX deployments_one_running_per_env ON deployments (environment_id) WHERE status = 'running';
DROP INDEX deployments_project_env_idx;
CREATE INDEX deployments_environment_idx ON deployments (environment_id, id DESC);

CREATE TRIGGER branch_configs_environment_link BEFORE INSERT OR UPDATE OF environment, environment_id
  ON branch_configs FOR EACH ROW EXECUTE FUNCTION environment_link();
CREATE TRIGGER deployments_environment_link BEFORE INSERT OR UPDATE OF environment, environment_id
  ON deployments FOR EACH ROW EXECUTE FUNCTION environment_link();
CREATE TRIGGER environments_renamed AFTER UPDATE OF name ON environments
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION environment_renamed();
