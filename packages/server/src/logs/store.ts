import { sql, type RawBuilder } from 'kysely';
import type { LogLine } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import { decodeChunk, encodeChunk, type StoredLine } from './codec.js';
import { PART_DROPPED, PART_HEAD, PART_TAIL, trimTail, type LogLimits } from './limit.js';

/**
 * The one module that reads and writes deployment logs (architecture.md §6). Lines live in `log_chunks`:
 * one row per stored batch of consecutive lines, compressed (logs/codec.ts), keyed by its last line
 * number. The chunks of a deployment cover disjoint ranges of line numbers, so reading after line N is
 * an index range scan over chunks whose last line is above N.
 */

export type { LogLimits } from './limit.js';

/** A batch below this many text bytes is added to the deployment's last chunk while that one is small. */
export const MERGE_BYTES = 64 * 1024;
/** Chunks fetched per query while reading. */
const CHUNKS_PER_READ = 4;

export interface PreparedLines {
  /** By line number, each number once. */
  lines: StoredLine[];
  /** UTF-8 bytes of each line's text. */
  bytes: number[];
  /** The lines encoded as one chunk, ready when all of them turn out to be new. */
  data: Buffer;
}

export interface Appended {
  /** Lines stored (or counted as dropped past the limit) that were not stored before. */
  added: number;
  /** Their text bytes. */
  bytes: number;
}

/**
 * Parses, orders and encodes a batch before the deployment is locked, so the lock is not held while the
 * batch is compressed. `lines` must hold each number once (log-ingest keeps the first line of each).
 */
export function prepareLines(lines: readonly LogLine[]): PreparedLines {
  const stored = new Array<StoredLine>(lines.length);
  const bytes = new Array<number>(lines.length);
  let stamp = '';
  let ms = 0;
  let ordered = true;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // The runner formats one timestamp per millisecond, so consecutive lines mostly repeat it.
    if (line.t !== stamp) {
      stamp = line.t;
      ms = Date.parse(stamp);
    }
    stored[i] = { n: line.n, stream: line.stream, t: ms, text: line.text };
    bytes[i] = Buffer.byteLength(line.text);
    if (i > 0 && line.n <= lines[i - 1]!.n) ordered = false;
  }
  if (!ordered) {
    const order = stored.map((_, i) => i).sort((a, b) => stored[a]!.n - stored[b]!.n);
    return prepareOrdered(
      order.map((i) => stored[i]!),
      order.map((i) => bytes[i]!),
    );
  }
  return prepareOrdered(stored, bytes);
}

function prepareOrdered(lines: StoredLine[], bytes: number[]): PreparedLines {
  return { lines, bytes, data: encodeChunk(lines) };
}

/**
 * For ingest's one statement (one round trip) in the usual case: an INSERT of the whole prepared batch as
 * a new head chunk, selecting from the statement's CTE `job` (columns id, open, last_log_n, log_bytes,
 * the deployment locked FOR UPDATE). It inserts only when the job is open, every line is above
 * `last_log_n`, the head has room and the batch is not small; otherwise it inserts nothing and the caller
 * falls back to appendLines. RETURNING lines, bytes.
 */
export function insertAsNewChunk(batch: PreparedLines, limits: LogLimits): RawBuilder<unknown> {
  const first = batch.lines[0]?.n ?? 0;
  const last = batch.lines[batch.lines.length - 1]?.n ?? 0;
  const bytes = sum(batch.bytes);
  const usual = batch.lines.length > 0 && bytes >= MERGE_BYTES;
  return sql`
    INSERT INTO log_chunks (deployment_id, first_n, last_n, lines, bytes, part, data)
    SELECT job.id, ${first}::int, ${last}::int, ${batch.lines.length}::int, ${bytes}::bigint, ${PART_HEAD},
           ${batch.data}::bytea
    FROM job
    WHERE ${usual} AND job.open AND job.last_log_n < ${first} AND job.log_bytes + ${bytes} <= ${limits.headBytes}
    RETURNING lines, bytes`;
}

/** The state of the deployment the caller holds locked (`FOR UPDATE`) for the whole transaction. */
export interface LockedLog {
  id: number;
  last_log_n: number;
  log_bytes: number;
}

/**
 * Stores the lines of a prepared batch that the deployment does not have yet, inside the caller's
 * transaction, with the deployment row locked: lines above `last_log_n` are appended (the usual case,
 * one INSERT), lines at or below it fill gaps only where no line of that number is stored or was
 * dropped. Past the head limit lines go to the tail, whose oldest lines are dropped (limit.ts).
 */
export async function appendLines(
  db: Db,
  log: LockedLog,
  batch: PreparedLines,
  limits: LogLimits,
): Promise<Appended> {
  const { lines, bytes } = batch;
  let firstFresh = 0;
  while (firstFresh < lines.length && lines[firstFresh]!.n <= log.last_log_n) firstFresh++;
  const result: Appended = { added: 0, bytes: 0 };
  let touchedTail = false;
  if (firstFresh > 0) {
    const filled = await fillGaps(db, log.id, lines.slice(0, firstFresh), bytes.slice(0, firstFresh));
    result.added += filled.added;
    result.bytes += filled.bytes;
    touchedTail = filled.touchedTail;
  }
  if (firstFresh < lines.length) {
    const fresh = lines.slice(firstFresh);
    const freshBytes = bytes.slice(firstFresh);
    const whole = firstFresh === 0 ? batch.data : undefined;
    // Lines go to the head until the log reaches the head limit, then to the tail.
    let used = log.log_bytes + result.bytes;
    let split = 0;
    while (split < fresh.length && used + freshBytes[split]! <= limits.headBytes)
      used += freshBytes[split++]!;
    const headBytes = used - log.log_bytes - result.bytes;
    const total = sum(freshBytes);
    if (split === fresh.length)
      await appendChunk(db, log.id, { part: PART_HEAD, lines: fresh, bytes: total, encoded: whole });
    else if (split === 0)
      await appendChunk(db, log.id, { part: PART_TAIL, lines: fresh, bytes: total, encoded: whole });
    else {
      await appendChunk(db, log.id, { part: PART_HEAD, lines: fresh.slice(0, split), bytes: headBytes });
      await appendChunk(db, log.id, { part: PART_TAIL, lines: fresh.slice(split), bytes: total - headBytes });
    }
    touchedTail ||= split < fresh.length;
    result.added += fresh.length;
    result.bytes += total;
  }
  if (touchedTail) await trimTail(db, log.id, limits);
  return result;
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/**
 * Appends lines above every stored one as a new chunk, or, when both the batch and the last chunk are
 * small (a job printing a line now and then), into the last chunk, so slow output still ends up in
 * chunks large enough to compress well.
 */
async function appendChunk(db: Db, deploymentId: number, chunk: NewChunk): Promise<void> {
  const { part, lines, bytes } = chunk;
  const first = lines[0]!.n;
  const last = lines[lines.length - 1]!.n;
  if (bytes < MERGE_BYTES) {
    const previous = await db
      .selectFrom('log_chunks')
      .select(['last_n', 'part', 'lines', 'bytes', 'data'])
      .where('deployment_id', '=', deploymentId)
      .orderBy('last_n', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (
      previous &&
      previous.part === part &&
      previous.bytes + bytes <= MERGE_BYTES &&
      previous.last_n < first
    ) {
      await db
        .updateTable('log_chunks')
        .set({
          last_n: last,
          lines: previous.lines + lines.length,
          bytes: previous.bytes + bytes,
          data: encodeChunk([...decodeChunk(previous.data), ...lines]),
        })
        .where('deployment_id', '=', deploymentId)
        .where('last_n', '=', previous.last_n)
        .execute();
      return;
    }
  }
  await insertChunk(db, deploymentId, chunk);
}

/** Lines to store as one chunk: their part, their size, and their encoding when already made. */
interface NewChunk {
  part: number;
  lines: StoredLine[];
  bytes: number;
  encoded?: Buffer;
}

/** A new chunk of lines (strictly increasing numbers) that no stored chunk's range overlaps. */
function insertChunk(
  db: Db,
  deploymentId: number,
  { part, lines, bytes, encoded }: NewChunk,
): Promise<unknown> {
  return db
    .insertInto('log_chunks')
    .values({
      deployment_id: deploymentId,
      first_n: lines[0]!.n,
      last_n: lines[lines.length - 1]!.n,
      lines: lines.length,
      bytes,
      part,
      data: encoded ?? encodeChunk(lines),
    })
    .execute();
}

/**
 * Stores re-sent lines at or below the last stored number that no chunk has: each goes into the chunk
 * whose range holds its number (rewritten), or, between chunks, into a new chunk. Numbers inside the
 * range of dropped lines count as stored.
 */
async function fillGaps(
  db: Db,
  deploymentId: number,
  lines: StoredLine[],
  bytes: number[],
): Promise<Appended & { touchedTail: boolean }> {
  const low = lines[0]!.n;
  const high = lines[lines.length - 1]!.n;
  const chunks = await db
    .selectFrom('log_chunks')
    .select(['first_n', 'last_n', 'part', 'lines', 'bytes', 'data'])
    .where('deployment_id', '=', deploymentId)
    .where('last_n', '>=', low)
    .where('first_n', '<=', high)
    .orderBy('last_n')
    .execute();
  const into = new Map<number, { lines: StoredLine[]; bytes: number }>();
  let i = 0;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    while (i < chunks.length && chunks[i]!.last_n < line.n) i++;
    const chunk = chunks[i];
    // Key: the index of the chunk holding the number, or -(index of the next chunk) - 1 between chunks.
    const key = chunk && chunk.first_n <= line.n ? i : -i - 1;
    if (chunk && key === i) {
      if (chunk.part === PART_DROPPED) continue;
      if (decodedNumbers(chunk).has(line.n)) continue;
    }
    const group = into.get(key) ?? { lines: [], bytes: 0 };
    group.lines.push(line);
    group.bytes += bytes[k]!;
    into.set(key, group);
  }
  const result = { added: 0, bytes: 0, touchedTail: false };
  for (const [key, group] of into) {
    result.added += group.lines.length;
    result.bytes += group.bytes;
    if (key >= 0) {
      const chunk = chunks[key]!;
      const merged = [...decodeChunk(chunk.data), ...group.lines].sort((a, b) => a.n - b.n);
      await db
        .updateTable('log_chunks')
        .set({ lines: merged.length, bytes: chunk.bytes + group.bytes, data: encodeChunk(merged) })
        .where('deployment_id', '=', deploymentId)
        .where('last_n', '=', chunk.last_n)
        .execute();
      result.touchedTail ||= chunk.part === PART_TAIL;
      continue;
    }
    const before = -key - 2;
    const part = await partAfter(db, deploymentId, before >= 0 ? chunks[before]!.part : null, low);
    await insertChunk(db, deploymentId, { part, lines: group.lines, bytes: group.bytes });
    result.touchedTail ||= part === PART_TAIL;
  }
  return result;
}

const numbersOf = new WeakMap<object, Set<number>>();
function decodedNumbers(chunk: { data: Buffer }): Set<number> {
  let numbers = numbersOf.get(chunk);
  if (!numbers) numbersOf.set(chunk, (numbers = new Set(decodeChunk(chunk.data).map((line) => line.n))));
  return numbers;
}

/** The part for new lines right after a chunk of part `previous` (null: look up the chunk before `n`). */
async function partAfter(db: Db, deploymentId: number, previous: number | null, n: number): Promise<number> {
  if (previous === null) {
    const row = await db
      .selectFrom('log_chunks')
      .select('part')
      .where('deployment_id', '=', deploymentId)
      .where('last_n', '<', n)
      .orderBy('last_n', 'desc')
      .limit(1)
      .executeTakeFirst();
    previous = row?.part ?? PART_HEAD;
  }
  return previous === PART_DROPPED ? PART_TAIL : previous;
}

/** Up to `limit` lines numbered above `after`, in order. */
export async function readLines(
  db: Db,
  deploymentId: number,
  after: number,
  limit: number,
): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (const chunk of chunksAfter(db, deploymentId, after)) {
    for (const line of chunk) {
      if (line.n <= after) continue;
      lines.push({ n: line.n, stream: line.stream, t: new Date(line.t).toISOString(), text: line.text });
      if (lines.length >= limit) return lines;
    }
  }
  return lines;
}

/** The whole log as text, one chunk at a time, so a long log never sits in memory at once. */
export async function* logText(db: Db, deploymentId: number): AsyncGenerator<string> {
  for await (const chunk of chunksAfter(db, deploymentId, 0)) {
    yield chunk.map((line) => `${line.text}\n`).join('');
  }
}

/** The decoded chunks holding lines numbered above `after`, in order, fetched a few at a time. */
export async function* chunksAfter(
  db: Db,
  deploymentId: number,
  after: number,
): AsyncGenerator<StoredLine[]> {
  let cursor = after;
  for (;;) {
    const rows = await db
      .selectFrom('log_chunks')
      .select(['last_n', 'data'])
      .where('deployment_id', '=', deploymentId)
      .where('last_n', '>', cursor)
      .orderBy('last_n')
      .limit(CHUNKS_PER_READ)
      .execute();
    for (const row of rows) yield decodeChunk(row.data);
    if (rows.length < CHUNKS_PER_READ) return;
    cursor = rows[rows.length - 1]!.last_n;
  }
}

/** The highest line number stored for a deployment (0 when none). */
export async function lastStoredLine(db: Db, deploymentId: number): Promise<number> {
  const row = await db
    .selectFrom('log_chunks')
    .select((eb) => eb.fn.max('last_n').as('n'))
    .where('deployment_id', '=', deploymentId)
    .executeTakeFirst();
  return row?.n ?? 0;
}

/** Deletes the logs of these deployments (retention); the caller marks them `logs_deleted_at`. */
export async function deleteLogs(db: Db, deploymentIds: readonly number[]): Promise<void> {
  if (deploymentIds.length === 0) return;
  await db.deleteFrom('log_chunks').where('deployment_id', 'in', deploymentIds).execute();
  await db.deleteFrom('log_sections').where('deployment_id', 'in', deploymentIds).execute();
}
