-- Where Polytene's webhook in the GitLab project stands (issue 4): registered, pending (a job is about to
-- register it or to update its token after the webhook secret was regenerated), or failed (see
-- gitlab_hook_error). NULL for projects that are not from GitLab.
ALTER TABLE projects
  ADD COLUMN gitlab_hook_state text CHECK (gitlab_hook_state IN ('pending', 'registered', 'failed'));

UPDATE projects SET gitlab_hook_state = CASE
    WHEN gitlab_hook_id IS NOT NULL THEN 'registered'
    WHEN gitlab_hook_error IS NOT NULL THEN 'failed'
    ELSE 'pending'
  END
  WHERE source = 'gitlab';
