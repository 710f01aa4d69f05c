-- Logs in chunks (architecture.md §6). One row per line cost about 158 bytes on disk per line; a chunk
-- holds a batch of consecutive lines of one deployment, encoded column by column and compressed with
-- Brotli by the server (logs/codec.ts), about 2 to 3 bytes per line of build output.
--   first_n, last_n  the numbers of its first and last line; the chunks of a deployment never overlap
--   lines, bytes     how many lines it holds and the UTF-8 bytes of their text
--   part             0 head, 1 tail (past the head limit), 2 the lines dropped between them: a row that
--                    covers their numbers, counts them and holds the one system line saying so
--   data             the encoded lines (first byte: the format)
-- As in 0007, no foreign key: the only writer locks the deployment row in the same transaction, and a
-- statement trigger deletes the chunks of deleted deployments.
CREATE TABLE log_chunks (
  deployment_id bigint NOT NULL,
  first_n integer NOT NULL,
  last_n integer NOT NULL,
  lines integer NOT NULL,
  bytes bigint NOT NULL,
  part smallint NOT NULL DEFAULT 0 CHECK (part BETWEEN 0 AND 2),
  data bytea NOT NULL,
  PRIMARY KEY (deployment_id, last_n),
  CHECK (first_n BETWEEN 1 AND last_n)
);

-- The old lines become chunks of 5,000 lines in format 0, which SQL can write: per line
-- `n,stream,epoch ms,byte length:` then the text. TOAST's own compression (pglz) keeps them small enough
-- until retention removes them.
INSERT INTO log_chunks (deployment_id, first_n, last_n, lines, bytes, part, data)
SELECT deployment_id, min(n), max(n), count(*), sum(octet_length(text)), 0,
       '\x00'::bytea || convert_to(string_agg(
         n || ',' || CASE stream WHEN 'stdout' THEN 0 WHEN 'stderr' THEN 1 ELSE 2 END || ',' ||
         floor(extract(epoch FROM t) * 1000)::bigint || ',' || octet_length(text) || ':' || text,
         '' ORDER BY n), 'UTF8')
FROM (
  SELECT *, (row_number() OVER (PARTITION BY deployment_id ORDER BY n) - 1) / 5000 AS chunk FROM log_lines
) numbered
GROUP BY deployment_id, chunk;

-- What the server writes from now on is compressed already: TOAST stores it out of line as it is.
ALTER TABLE log_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

DROP TRIGGER deployments_delete_log_lines ON deployments;
DROP FUNCTION delete_log_lines_of_deleted_deployments();
DROP TABLE log_lines;

CREATE FUNCTION delete_log_chunks_of_deleted_deployments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM log_chunks WHERE deployment_id IN (SELECT id FROM deleted_deployments);
  RETURN NULL;
END
$$;

CREATE TRIGGER deployments_delete_log_chunks
  AFTER DELETE ON deployments
  REFERENCING OLD TABLE AS deleted_deployments
  FOR EACH STATEMENT EXECUTE FUNCTION delete_log_chunks_of_deleted_deployments();
