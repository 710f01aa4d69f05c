-- Commit context of a build (issue 10, item 7; architecture.md §7): the commit's title, author and
-- time, a link to the commit and one to the CI pipeline, all optional. Builds GitLab reported before
-- this are filled from the Pipeline Hook stored in their payload.
ALTER TABLE builds
  ADD COLUMN commit_title text,
  ADD COLUMN commit_author_name text,
  ADD COLUMN commit_author_email text,
  ADD COLUMN commit_url text,
  ADD COLUMN pipeline_url text,
  ADD COLUMN committed_at timestamptz;

-- A payload's timestamp that PostgreSQL cannot read leaves committed_at empty rather than failing.
CREATE FUNCTION pg_temp.polytene_try_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN value::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END;
$$;

UPDATE builds SET
  commit_title = left(nullif(btrim(coalesce(
    payload -> 'commit' ->> 'title',
    split_part(payload -> 'commit' ->> 'message', E'\n', 1)
  )), ''), 1000),
  commit_author_name = left(payload -> 'commit' -> 'author' ->> 'name', 255),
  commit_author_email = left(payload -> 'commit' -> 'author' ->> 'email', 255),
  commit_url = CASE WHEN payload -> 'commit' ->> 'url' ~ '^https?://' AND length(payload -> 'commit' ->> 'url') <= 2000
    THEN payload -> 'commit' ->> 'url' END,
  pipeline_url = CASE WHEN payload -> 'object_attributes' ->> 'url' ~ '^https?://'
      AND length(payload -> 'object_attributes' ->> 'url') <= 2000
    THEN payload -> 'object_attributes' ->> 'url' END,
  committed_at = CASE WHEN payload -> 'commit' ->> 'timestamp' ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}'
    THEN pg_temp.polytene_try_timestamptz(payload -> 'commit' ->> 'timestamp') END
WHERE source = 'gitlab_pipeline'
  AND payload IS NOT NULL
  AND jsonb_typeof(payload -> 'commit') = 'object';

DROP FUNCTION pg_temp.polytene_try_timestamptz(text);
