import type { Db } from '../db/database.js';
import { chunksAfter } from './store.js';

/** The longest search text accepted, in characters. */
export const MAX_QUERY = 200;
/** Matches per page at most. */
export const MAX_MATCHES = 1000;

export interface LogMatch {
  n: number;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}

export interface LogSearchPage {
  matches: LogMatch[];
  /** The line number to continue after, or null when the log holds no further match. */
  next_after: number | null;
}

// Escape sequences (colours, cursor moves) are not part of what the reader sees, so they never match.
// The same sequences as web/src/log/ansi.ts; one pass, no backtracking (the classes do not overlap).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPES = /\x1b\[[0-9;:?]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** The text as shown: escape sequences removed (cheap when there are none). */
export function visibleText(text: string): string {
  return text.includes('\x1b') ? text.replace(ESCAPES, '') : text;
}

/**
 * Up to `limit` lines numbered above `after` whose shown text contains `query`, ignoring case. The query
 * is plain text (indexOf, never a regular expression), and the log is read a few chunks at a time
 * (store.ts chunksAfter), so a long log is never in memory at once.
 */
export async function searchLines(
  db: Db,
  deploymentId: number,
  query: string,
  after: number,
  limit: number,
): Promise<LogSearchPage> {
  const needle = query.toLowerCase();
  const matches: LogMatch[] = [];
  for await (const chunk of chunksAfter(db, deploymentId, after)) {
    // Most chunks hold no hit: one look at all their text (escapes never span lines) skips them whole.
    const all = chunk.map((line) => line.text).join('\n');
    if (!visibleText(all).toLowerCase().includes(needle)) continue;
    for (const line of chunk) {
      if (line.n <= after) continue;
      if (!visibleText(line.text).toLowerCase().includes(needle)) continue;
      if (matches.length === limit) return { matches, next_after: matches[matches.length - 1]!.n };
      matches.push({ n: line.n, stream: line.stream, text: line.text });
    }
  }
  return { matches, next_after: null };
}
