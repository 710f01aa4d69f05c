-- Freeze windows per environment (issue 10, item 4; architecture.md §4, "Freeze windows"): times in
-- which nothing is deployed to an environment. A deployment queued in a freeze waits until it ends
-- (or, with `freeze_expire_hours`, is canceled after that long), unless an admin overrides the freeze
-- for it with a recorded reason.
CREATE TABLE freeze_windows (
  id bigserial PRIMARY KEY,
  environment_id bigint NOT NULL REFERENCES environments (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('recurring', 'once')),
  -- recurring: every week from a weekday and wall-clock time to another, in an IANA time zone
  -- (0 = Sunday); a window may wrap the week end (Friday 16:00 to Monday 08:00)
  starts_weekday smallint CHECK (starts_weekday BETWEEN 0 AND 6),
  starts_time time,
  ends_weekday smallint CHECK (ends_weekday BETWEEN 0 AND 6),
  ends_time time,
  time_zone text,
  -- once: one range of time
  starts_at timestamptz,
  ends_at timestamptz,
  reason text,
  created_by bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT freeze_windows_recurring_fields CHECK (kind <> 'recurring' OR (
    starts_weekday IS NOT NULL AND starts_time IS NOT NULL AND ends_weekday IS NOT NULL
    AND ends_time IS NOT NULL AND time_zone IS NOT NULL AND starts_at IS NULL AND ends_at IS NULL
    AND (starts_weekday, starts_time) <> (ends_weekday, ends_time))),
  CONSTRAINT freeze_windows_once_fields CHECK (kind <> 'once' OR (
    starts_at IS NOT NULL AND ends_at IS NOT NULL AND ends_at > starts_at
    AND starts_weekday IS NULL AND starts_time IS NULL AND ends_weekday IS NULL
    AND ends_time IS NULL AND time_zone IS NULL))
);
CREATE INDEX freeze_windows_environment_idx ON freeze_windows (environment_id);

-- How long a deployment may wait in a freeze (from when it was queued) before it is canceled; null:
-- it waits for the freeze to end however long that is.
ALTER TABLE environments ADD COLUMN freeze_expire_hours integer CHECK (freeze_expire_hours > 0);

-- An admin's override of the freeze for one deployment: who, when and why.
ALTER TABLE deployments
  ADD COLUMN freeze_override_by bigint REFERENCES users (id) ON DELETE SET NULL,
  ADD COLUMN freeze_override_reason text,
  ADD COLUMN freeze_override_at timestamptz,
  ADD CONSTRAINT deployments_freeze_override_reason CHECK (
    (freeze_override_at IS NULL) = (freeze_override_reason IS NULL));

-- The occurrences of the environment's windows that cover `instant` (starts_at <= instant < ends_at).
-- A recurring window's start and end are wall-clock times in its zone, turned into instants with
-- AT TIME ZONE, so "Friday 16:00 Europe/Warsaw" is 15:00 UTC in winter and 14:00 UTC in summer, and a
-- window across a DST change is an hour shorter or longer. The weeks before and after `instant`'s local
-- week are looked at too, for windows that wrap the week end.
CREATE FUNCTION freeze_occurrences_at(env_id bigint, instant timestamptz)
RETURNS TABLE (starts_at timestamptz, ends_at timestamptz) LANGUAGE sql STABLE AS $$
  SELECT w.starts_at, w.ends_at FROM freeze_windows w
  WHERE w.environment_id = env_id AND w.kind = 'once' AND w.starts_at <= instant AND instant < w.ends_at
  UNION ALL
  SELECT o.starts_local AT TIME ZONE w.time_zone, (o.starts_local + len.span) AT TIME ZONE w.time_zone
  FROM freeze_windows w
  CROSS JOIN LATERAL (SELECT instant AT TIME ZONE w.time_zone AS local) l
  CROSS JOIN LATERAL (SELECT make_interval(mins => (((w.ends_weekday * 1440
      + extract(epoch FROM w.ends_time)::int / 60) - (w.starts_weekday * 1440
      + extract(epoch FROM w.starts_time)::int / 60)) % 10080 + 10080) % 10080) AS span) len
  CROSS JOIN LATERAL (
    SELECT date_trunc('day', l.local) - make_interval(days => extract(dow FROM l.local)::int)
      + make_interval(days => w.starts_weekday + 7 * k) + w.starts_time AS starts_local
    FROM generate_series(-1, 1) k) o
  WHERE w.environment_id = env_id AND w.kind = 'recurring'
    AND o.starts_local AT TIME ZONE w.time_zone <= instant
    AND instant < (o.starts_local + len.span) AT TIME ZONE w.time_zone
$$;

-- When the freeze covering `instant` ends, null when the environment is not frozen then. Windows that
-- overlap or touch are one freeze: the end is followed through them (at most 100 steps, for windows
-- that together never end).
CREATE FUNCTION environment_frozen_until(env_id bigint, instant timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
  until timestamptz;
  later timestamptz;
BEGIN
  SELECT max(o.ends_at) INTO until FROM freeze_occurrences_at(env_id, instant) o;
  IF until IS NULL THEN
    RETURN NULL;
  END IF;
  FOR step IN 1..100 LOOP
    SELECT max(o.ends_at) INTO later FROM freeze_occurrences_at(env_id, until) o;
    EXIT WHEN later IS NULL OR later <= until;
    until := later;
  END LOOP;
  RETURN until;
END;
$$;
