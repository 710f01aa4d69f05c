-- Log sections and deployment phases (issue 12, item 4; architecture.md §6, "Sections and phases").
-- A deployment's phase is the name of its latest `::polytene-phase::` line or the header of its latest
-- section started, whichever came last; log ingest keeps it and the sections of the log, indexed once
-- per marker line (line numbers make a re-sent batch add nothing).
ALTER TABLE deployments
  ADD COLUMN phase text,
  ADD COLUMN phase_started_at timestamptz;

CREATE TABLE log_sections (
  deployment_id bigint NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  start_line integer NOT NULL,
  end_line integer,
  name text NOT NULL,
  header text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  depth integer NOT NULL CHECK (depth >= 0),
  collapsed boolean NOT NULL DEFAULT false,
  PRIMARY KEY (deployment_id, start_line),
  CHECK (end_line IS NULL OR end_line > start_line),
  CHECK ((end_line IS NULL) = (ended_at IS NULL))
);
