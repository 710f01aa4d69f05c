import { sql, type RawBuilder } from 'kysely';
import type { CommitView } from '@polytene/protocol';
import { iso } from '../http/schemas.js';

/** The longest commit title, author name/email and link a build keeps (longer ones are cut). */
export const COMMIT_LIMITS = { title: 1000, author: 255, url: 2000 } as const;

/** A build's commit context as the intakes give it (architecture.md §7); every part optional. */
export interface CommitInput {
  commit_title?: string | null;
  commit_author_name?: string | null;
  commit_author_email?: string | null;
  commit_url?: string | null;
  pipeline_url?: string | null;
  committed_at?: Date | null;
}

export const COMMIT_COLUMNS = [
  'commit_title',
  'commit_author_name',
  'commit_author_email',
  'commit_url',
  'pipeline_url',
  'committed_at',
] as const;

type CommitColumn = (typeof COMMIT_COLUMNS)[number];
type CommitRow = { [K in CommitColumn]: K extends 'committed_at' ? Date | null : string | null };

/** The columns of `input`, each null when not given. */
export function commitValues(input: CommitInput | undefined): CommitRow {
  return {
    commit_title: input?.commit_title ?? null,
    commit_author_name: input?.commit_author_name ?? null,
    commit_author_email: input?.commit_author_email ?? null,
    commit_url: input?.commit_url ?? null,
    pipeline_url: input?.pipeline_url ?? null,
    committed_at: input?.committed_at ?? null,
  };
}

type CommitSql = { [K in CommitColumn]: RawBuilder<CommitRow[K]> };

function eachColumn(make: (column: CommitColumn) => RawBuilder<unknown>): CommitSql {
  return Object.fromEntries(COMMIT_COLUMNS.map((column) => [column, make(column)])) as CommitSql;
}

/** For the intake's upsert: a column keeps what it has when the new event gives nothing for it. */
export function keepKnown(): CommitSql {
  return eachColumn((c) => sql`coalesce(excluded.${sql.ref(c)}, builds.${sql.ref(c)})`);
}

/** For filling a build from a second source: each column keeps what it has, else takes `input`'s. */
export function fillMissing(input: CommitInput): CommitSql {
  const values = commitValues(input);
  return eachColumn((c) => sql`coalesce(builds.${sql.ref(c)}, ${values[c]})`);
}

/** The commit part of a build's view: null when CI told nothing about it. */
export function toCommitView(row: Omit<CommitRow, 'pipeline_url'>): CommitView | null {
  const view = {
    title: row.commit_title,
    author_name: row.commit_author_name,
    author_email: row.commit_author_email,
    url: row.commit_url,
    committed_at: iso(row.committed_at),
  };
  return Object.values(view).every((value) => value === null) ? null : view;
}

/** `value` when it is an http(s) URL Polytene may show as a link, else null. */
export function httpUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > COMMIT_LIMITS.url) return null;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:' ? value : null;
  } catch {
    return null;
  }
}

/** `value` trimmed and cut to `max` characters; null when it is not a string or blank. */
export function clipped(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text ? text.slice(0, max) : null;
}

/** A commit's title: the first line of its message. */
export function titleOf(message: unknown): string | null {
  return typeof message === 'string' ? clipped(message.split('\n', 1)[0], COMMIT_LIMITS.title) : null;
}
