/**
 * Log sections and deployment phases (architecture.md §6, "Sections and phases"). Pure code without
 * imports, shared by the server (indexing at ingest) and the web (`@polytene/protocol/log-sections`).
 *
 * Two kinds of marker line are understood, each alone on its line at its start:
 *
 * - GitLab CI's collapsible sections:
 *   `ESC[0Ksection_start:<unix seconds>:<name>[collapsed=true]\rESC[0K<header>` and
 *   `ESC[0Ksection_end:<unix seconds>:<name>\rESC[0K`. The name is letters, digits, `_`, `.` and `-`; the
 *   options in brackets are optional, and so are the `ESC[0K` codes and the `\r`. Sections nest.
 * - Polytene's phase line: `::polytene-phase::<name>`, the name 1-64 letters, digits, spaces, `_`, `.`, `-`
 *   (`echo "::polytene-phase::migrate database"`).
 */

/** Longest section name taken; a longer one makes the line an ordinary line. */
export const SECTION_NAME_MAX = 100;
/** A section's header is cut to this many characters. */
export const SECTION_HEADER_MAX = 200;
/** Longest phase name. */
export const PHASE_NAME_MAX = 64;
/** The sections API answers at most this many (the first, by start line). */
export const SECTIONS_LISTED_MAX = 10_000;
/** Lines longer than this are never markers (no marker needs more; scanning them would cost). */
export const MARKER_LINE_MAX = 1024;
/** Marker timestamps take at most this many digits (seconds until the year 33658). */
const TIMESTAMP_DIGITS_MAX = 12;

export const PHASE_PREFIX = '::polytene-phase::';

export type LogMarker =
  | { kind: 'start'; name: string; ts: number; header: string; collapsed: boolean }
  | { kind: 'end'; name: string; ts: number }
  | { kind: 'phase'; name: string };

/** One section as the server stores it and the API answers it. */
export interface LogSectionData {
  name: string;
  /** Plain text (escape codes removed); the name when the marker had none. */
  header: string;
  /** The line of the `section_start` marker. */
  start_line: number;
  /** The line of the `section_end` marker; null while open. */
  end_line: number | null;
  /** ISO time of the start marker's timestamp. */
  started_at: string;
  ended_at: string | null;
  duration_seconds: number | null;
  /** 0 for a section in no other. */
  depth: number;
  /** The marker asked for the section to be shown collapsed. */
  collapsed: boolean;
}

// eslint-disable-next-line no-control-regex -- escape codes are what this strips
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Za-z0-9]|\u001b/g;
// eslint-disable-next-line no-control-regex -- the optional leading ESC[0K of GitLab's form
const SECTION = /^(?:\u001b\[0K)?section_(start|end):(\d+):([A-Za-z0-9_.-]+)(?:\[([^\]\r]*)\])?(\r)?(.*)$/s;
const PHASE_NAME = /^[A-Za-z0-9 _.-]+$/;

/** Returns what a line marks, or null for an ordinary line. */
export function parseLogMarker(text: string): LogMarker | null {
  if (text.length > MARKER_LINE_MAX) return null;
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (line.startsWith(PHASE_PREFIX)) return parsePhase(line.slice(PHASE_PREFIX.length));
  if (!mayBeSection(line)) return null;
  const match = SECTION.exec(line);
  if (!match) return null;
  const [, kind, digits, name, options, carriageReturn, rest] = match as unknown as [
    string,
    'start' | 'end',
    string,
    string,
    string | undefined,
    string | undefined,
    string,
  ];
  if (digits.length > TIMESTAMP_DIGITS_MAX || name.length > SECTION_NAME_MAX) return null;
  // Without the \r, whatever follows the name must start with an escape code or be nothing.
  if (!carriageReturn && rest !== '' && !rest.startsWith('\u001b')) return null;
  const ts = Number(digits);
  if (kind === 'end') return { kind, name, ts };
  const header = plainText(rest).trim().slice(0, SECTION_HEADER_MAX);
  return { kind, name, ts, header: header || name, collapsed: optionValue(options, 'collapsed') === 'true' };
}

/** A cheap test ingest runs on every line before the regular expression. */
export function mayBeMarker(text: string): boolean {
  // One character decides for almost every line: a marker starts with ':', 's' or ESC.
  const first = text.charCodeAt(0);
  if (first === 58) return text.startsWith(PHASE_PREFIX);
  return (first === 115 || first === 27) && mayBeSection(text);
}

function mayBeSection(text: string): boolean {
  return text.startsWith('section_') || (text.charCodeAt(0) === 27 && text.startsWith('section_', 4));
}

function parsePhase(rest: string): LogMarker | null {
  const name = rest.trim();
  if (name.length === 0 || name.length > PHASE_NAME_MAX || !PHASE_NAME.test(name)) return null;
  return { kind: 'phase', name };
}

/** Text without terminal escape codes. */
export function plainText(text: string): string {
  return text.includes('\u001b') ? text.replace(ESCAPES, '') : text;
}

function optionValue(options: string | undefined, key: string): string | undefined {
  if (!options) return undefined;
  for (const option of options.split(',')) {
    const [k, v] = option.split('=', 2);
    if (k?.trim() === key) return v?.trim();
  }
  return undefined;
}

/**
 * Follows the sections of one log fed line by line in number order. It starts from the sections still
 * open (as stored, outermost first); `changed` lists what the fed lines started or ended, for the
 * server to store; `phase` is the name of the latest phase line or the header of the latest section
 * started, whichever came last (null when the fed lines had neither).
 */
export class SectionTracker {
  private readonly stack: LogSectionData[];
  private readonly touched = new Map<number, LogSectionData>();
  private readonly all: LogSectionData[];
  phase: string | null = null;

  constructor(open: readonly LogSectionData[] = []) {
    this.stack = open.filter((s) => s.end_line === null).map((s) => ({ ...s }));
    this.all = [...this.stack];
  }

  /** Feeds one line; returns its marker, if it is one. */
  feed(n: number, text: string): LogMarker | null {
    if (!mayBeMarker(text)) return null;
    const marker = parseLogMarker(text);
    if (!marker) return null;
    if (marker.kind === 'phase') this.phase = marker.name;
    else if (marker.kind === 'start') this.start(n, marker);
    else this.end(n, marker.name, marker.ts);
    return marker;
  }

  private start(n: number, marker: Extract<LogMarker, { kind: 'start' }>): void {
    const section: LogSectionData = {
      name: marker.name,
      header: marker.header,
      start_line: n,
      end_line: null,
      started_at: isoTime(marker.ts),
      ended_at: null,
      duration_seconds: null,
      depth: this.stack.length,
      collapsed: marker.collapsed,
    };
    this.stack.push(section);
    this.all.push(section);
    this.touched.set(n, section);
    this.phase = marker.header;
  }

  /** Ends the innermost open section of that name, and any still open inside it; else nothing. */
  private end(n: number, name: string, ts: number): void {
    let at = -1;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      if (this.stack[i]!.name === name) {
        at = i;
        break;
      }
    }
    if (at < 0) return;
    for (const section of this.stack.splice(at)) {
      section.end_line = n;
      section.ended_at = isoTime(ts);
      const seconds = ts - Date.parse(section.started_at) / 1000;
      section.duration_seconds = Math.max(0, Math.round(seconds));
      this.touched.set(section.start_line, section);
    }
  }

  /** Sections started or ended by the fed lines, by start line. */
  get changed(): LogSectionData[] {
    return [...this.touched.values()].sort((a, b) => a.start_line - b.start_line);
  }

  /** Every section known to the tracker, by start line. */
  get sections(): LogSectionData[] {
    return [...this.all].sort((a, b) => a.start_line - b.start_line);
  }

  /** The open sections, outermost first. */
  get open(): readonly LogSectionData[] {
    return this.stack;
  }
}

function isoTime(seconds: number): string {
  const ms = seconds * 1000;
  // A timestamp past what a Date holds is stored as the latest one it does.
  return new Date(Math.min(ms, 8.64e15)).toISOString();
}
