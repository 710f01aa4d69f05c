import type { Db } from '../db/database.js';
import { decodeChunk, encodeChunk, type StoredLine } from './codec.js';

/** `log_chunks.part`: lines of the head (all lines of a log within its limit). */
export const PART_HEAD = 0;
/** Lines after the head limit: the last `tailBytes` of them are kept. */
export const PART_TAIL = 1;
/**
 * The lines dropped between head and tail: the row covers their numbers and counts their lines and
 * bytes; its data is the one system line saying so, numbered as the first dropped line.
 */
export const PART_DROPPED = 2;

/** How much of a log is kept: the first `headBytes` and the last `tailBytes` of line text. */
export interface LogLimits {
  headBytes: number;
  tailBytes: number;
}

/** A tail chunk is cut line by line only when keeping it whole would keep this much more than the tail. */
const TAIL_SLACK = 1.25;

interface Dropped {
  first: number;
  last: number;
  lines: number;
  bytes: number;
  /** The first line dropped, for the notice's timestamp. */
  firstLine: StoredLine | null;
}

interface TailChunk {
  first_n: number;
  last_n: number;
  lines: number;
  bytes: number;
}

/**
 * Drops the oldest tail lines while the tail would still hold `tailBytes` without them: whole chunks
 * first, then the first lines of the oldest kept chunk when it alone keeps far more than the tail.
 * The dropped lines' numbers, count and bytes go into the one PART_DROPPED row, whose line is rewritten.
 */
export async function trimTail(db: Db, deploymentId: number, limits: LogLimits): Promise<void> {
  const tail = await db
    .selectFrom('log_chunks')
    .select(['first_n', 'last_n', 'lines', 'bytes'])
    .where('deployment_id', '=', deploymentId)
    .where('part', '=', PART_TAIL)
    .orderBy('last_n')
    .execute();
  let kept = tail.reduce((total, chunk) => total + chunk.bytes, 0);
  if (kept <= limits.tailBytes) return;
  const dropped: Dropped = { first: 0, last: 0, lines: 0, bytes: 0, firstLine: null };
  const drop = (first: number, last: number, lines: number, bytes: number) => {
    if (dropped.lines === 0) dropped.first = first;
    dropped.last = last;
    dropped.lines += lines;
    dropped.bytes += bytes;
    kept -= bytes;
  };
  const whole: TailChunk[] = [];
  let index = 0;
  for (; index < tail.length && kept - tail[index]!.bytes >= limits.tailBytes; index++) {
    const chunk = tail[index]!;
    whole.push(chunk);
    drop(chunk.first_n, chunk.last_n, chunk.lines, chunk.bytes);
  }
  const oldest = tail[index];
  if (oldest && kept > limits.tailBytes * TAIL_SLACK) {
    await cutChunk(db, deploymentId, oldest, kept - limits.tailBytes, drop, dropped);
  }
  if (dropped.lines === 0) return;
  const previous = await db
    .selectFrom('log_chunks')
    .select(['last_n', 'lines', 'bytes', 'data'])
    .where('deployment_id', '=', deploymentId)
    .where('part', '=', PART_DROPPED)
    .executeTakeFirst();
  if (whole.length > 0) {
    if (!previous && !dropped.firstLine) {
      dropped.firstLine = (await chunkLines(db, deploymentId, whole[0]!.last_n))[0] ?? null;
    }
    const gone = whole.map((chunk) => chunk.last_n);
    await db
      .deleteFrom('log_chunks')
      .where('deployment_id', '=', deploymentId)
      .where('last_n', 'in', gone)
      .execute();
  }
  await recordDropped(db, deploymentId, previous, dropped, limits);
}

async function chunkLines(db: Db, deploymentId: number, lastN: number): Promise<StoredLine[]> {
  const row = await db
    .selectFrom('log_chunks')
    .select('data')
    .where('deployment_id', '=', deploymentId)
    .where('last_n', '=', lastN)
    .executeTakeFirstOrThrow();
  return decodeChunk(row.data);
}

/** Drops the first lines of a chunk until `excess` bytes went (a line at a time, at least one line kept). */
async function cutChunk(
  db: Db,
  deploymentId: number,
  chunk: TailChunk,
  excess: number,
  drop: (first: number, last: number, lines: number, bytes: number) => void,
  dropped: Dropped,
): Promise<void> {
  const lines = await chunkLines(db, deploymentId, chunk.last_n);
  let cut = 0;
  let bytes = 0;
  while (cut < lines.length - 1) {
    const size = Buffer.byteLength(lines[cut]!.text);
    if (bytes + size > excess) break;
    bytes += size;
    cut++;
  }
  if (cut === 0) return;
  if (dropped.lines === 0) dropped.firstLine = lines[0]!;
  drop(lines[0]!.n, lines[cut - 1]!.n, cut, bytes);
  const rest = lines.slice(cut);
  await db
    .updateTable('log_chunks')
    .set({ first_n: rest[0]!.n, lines: rest.length, bytes: chunk.bytes - bytes, data: encodeChunk(rest) })
    .where('deployment_id', '=', deploymentId)
    .where('last_n', '=', chunk.last_n)
    .execute();
}

/** Creates or extends the deployment's PART_DROPPED row with the lines just dropped. */
async function recordDropped(
  db: Db,
  deploymentId: number,
  previous: { last_n: number; lines: number; bytes: number; data: Buffer } | undefined,
  dropped: Dropped,
  limits: LogLimits,
): Promise<void> {
  const lines = (previous?.lines ?? 0) + dropped.lines;
  const bytes = (previous?.bytes ?? 0) + dropped.bytes;
  const before = previous ? decodeChunk(previous.data)[0] : undefined;
  const notice: StoredLine = {
    n: before?.n ?? dropped.first,
    stream: 'system',
    t: before?.t ?? dropped.firstLine?.t ?? Date.now(),
    text: droppedNotice(lines, bytes, limits),
  };
  const values = { last_n: dropped.last, lines, bytes, data: encodeChunk([notice]) };
  if (previous) {
    await db
      .updateTable('log_chunks')
      .set(values)
      .where('deployment_id', '=', deploymentId)
      .where('last_n', '=', previous.last_n)
      .execute();
  } else {
    await db
      .insertInto('log_chunks')
      .values({ ...values, deployment_id: deploymentId, first_n: notice.n, part: PART_DROPPED })
      .execute();
  }
}

/** The system line standing in for the dropped lines. */
export function droppedNotice(lines: number, bytes: number, limits: LogLimits): string {
  return (
    `${lines.toLocaleString('en')} ${lines === 1 ? 'line' : 'lines'} (${formatBytes(bytes)}) dropped here: ` +
    `the log passed its limit, so only its first ${formatBytes(limits.headBytes)} and its last ` +
    `${formatBytes(limits.tailBytes)} are kept.`
  );
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}
