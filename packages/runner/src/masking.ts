import { isTooShortForSecret } from '@polytene/protocol';
import { tracedForms } from './traced-forms.js';

export const MASK = '[MASKED]';

/**
 * Replaces every secret value, each line of a multi-line one, and each other form of it given (how bash's
 * trace quotes it) with `[MASKED]`. Texts shorter than MIN_SECRET_LENGTH are never masked: a short value
 * hides unrelated text (`ab` in `production-ab8e18ef`). The server refuses such secrets; one stored
 * before that rule stays visible, and the job says so in its log (job.ts).
 */
export class Masker {
  private readonly pattern: RegExp | null;
  /** Length of the longest text masked (0 without secrets). */
  readonly longest: number;

  constructor(secrets: readonly string[], otherForms: readonly string[] = []) {
    const values = new Set<string>();
    for (const secret of [...secrets, ...otherForms]) {
      for (const part of [secret, ...secret.split(/\r?\n/)]) {
        if (!isTooShortForSecret(part.trim())) values.add(part);
      }
    }
    const byLength = [...values].sort((a, b) => b.length - a.length);
    this.longest = byLength[0]?.length ?? 0;
    const sorted = byLength.map(escapeRegExp);
    this.pattern = sorted.length > 0 ? new RegExp(sorted.join('|'), 'g') : null;
  }

  /** A masker for a script run by `bash -x` with `env`: also masks each form the trace prints of a secret. */
  static async forScript(secrets: readonly string[], env: NodeJS.ProcessEnv): Promise<Masker> {
    const maskable = secrets.filter((secret) => !isTooShortForSecret(secret));
    return new Masker(maskable, await tracedForms(maskable, env));
  }

  mask(text: string): string {
    return this.pattern ? text.replace(this.pattern, MASK) : text;
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
