-- GitLab instances are an admin setting (issue 8, item 6): a member stores only a token for one of them,
-- so nothing a member types makes the server connect to an address no admin configured. Every distinct
-- URL of today's connections and imported projects becomes an instance named after its host (the whole
-- URL when two share a host), and each connection and project is linked to its instance.
CREATE TABLE gitlab_instances (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  url text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

WITH urls AS (
  SELECT gitlab_url AS url FROM gitlab_connections
  UNION
  SELECT gitlab_url FROM projects WHERE gitlab_url IS NOT NULL
), hosts AS (
  SELECT url, coalesce(substring(url FROM '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)'), url) AS host FROM urls
)
INSERT INTO gitlab_instances (name, url)
SELECT CASE WHEN count(*) OVER (PARTITION BY host) > 1 THEN url ELSE host END, url
  FROM hosts
  ORDER BY url;

ALTER TABLE gitlab_connections
  ADD COLUMN instance_id bigint REFERENCES gitlab_instances (id) ON DELETE CASCADE;
UPDATE gitlab_connections c SET instance_id = i.id FROM gitlab_instances i WHERE i.url = c.gitlab_url;
ALTER TABLE gitlab_connections
  ALTER COLUMN instance_id SET NOT NULL,
  DROP COLUMN gitlab_url;
CREATE INDEX gitlab_connections_instance_idx ON gitlab_connections (instance_id);

-- projects.gitlab_url stays as the instance's URL for display; it follows the instance when an admin
-- changes the URL (gitlab/instances.ts). The instance is what identifies where the project lives.
ALTER TABLE projects
  ADD COLUMN gitlab_instance_id bigint REFERENCES gitlab_instances (id) ON DELETE RESTRICT;
UPDATE projects p SET gitlab_instance_id = i.id FROM gitlab_instances i WHERE i.url = p.gitlab_url;
DROP INDEX projects_gitlab_unique;
CREATE UNIQUE INDEX projects_gitlab_unique ON projects (gitlab_instance_id, gitlab_project_id)
  WHERE gitlab_project_id IS NOT NULL;
