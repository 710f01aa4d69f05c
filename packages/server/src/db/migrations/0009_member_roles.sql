-- Project members get a role (issue 8, item 13): a viewer may only look, a deployer may also deploy,
-- abort and roll back, a maintainer may also change branch configs, variables, settings and members.
-- Until now every member could deploy, so existing members become deployers.
ALTER TABLE project_members
  ADD COLUMN role text NOT NULL DEFAULT 'deployer' CHECK (role IN ('viewer', 'deployer', 'maintainer'));
