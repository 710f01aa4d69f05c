export const MASK = '[MASKED]';

/** Replaces every secret value (and each line of a multi-line secret) with `[MASKED]`. */
export class Masker {
  private readonly pattern: RegExp | null;
  /** Length of the longest value masked (0 without secrets). */
  readonly longest: number;

  constructor(secrets: readonly string[]) {
    const values = new Set<string>();
    for (const secret of secrets) {
      for (const part of [secret, ...secret.split(/\r?\n/)]) {
        if (part.trim().length > 0) values.add(part);
      }
    }
    const byLength = [...values].sort((a, b) => b.length - a.length);
    this.longest = byLength[0]?.length ?? 0;
    const sorted = byLength.map(escapeRegExp);
    this.pattern = sorted.length > 0 ? new RegExp(sorted.join('|'), 'g') : null;
  }

  mask(text: string): string {
    return this.pattern ? text.replace(this.pattern, MASK) : text;
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
