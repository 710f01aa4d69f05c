export const MASK = '[MASKED]';

/** Replaces every secret value (and each line of a multi-line secret) with `[MASKED]`. */
export class Masker {
  private readonly pattern: RegExp | null;

  constructor(secrets: readonly string[]) {
    const values = new Set<string>();
    for (const secret of secrets) {
      for (const part of [secret, ...secret.split(/\r?\n/)]) {
        if (part.trim().length > 0) values.add(part);
      }
    }
    const sorted = [...values].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = sorted.length > 0 ? new RegExp(sorted.join('|'), 'g') : null;
  }

  mask(text: string): string {
    return this.pattern ? text.replace(this.pattern, MASK) : text;
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
