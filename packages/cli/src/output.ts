/** Output for people (aligned columns) and for scripts (--json). */
export interface Output {
  json: boolean;
  /** A line on stdout. */
  line(text: string): void;
  /** A note for people on stderr (progress, hints); never in the way of stdout or --json. */
  note(text: string): void;
}

export const stdOutput = (json: boolean): Output => ({
  json,
  line: (text) => process.stdout.write(`${text}\n`),
  note: (text) => process.stderr.write(`${text}\n`),
});

export function printJson(out: Output, value: unknown): void {
  out.line(JSON.stringify(value, null, 2));
}

/** Rows as columns padded to their widest cell; the first row is the header. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export const shortSha = (sha: string) => sha.slice(0, 8);

/** "2026-12-03 09:26:29" from an ISO time, or "-". */
export const when = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '-');
