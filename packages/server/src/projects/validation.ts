import type { FieldProblem, ValidationCode } from '@polytene/protocol';
import { validationFailed, type AppError } from '../errors.js';
import { problem } from '../http/problems.js';

/** A 400 listing every problem found, in the same shape as schema validation errors. */
export function invalidFields(problems: FieldProblem[]): AppError {
  return validationFailed(problems);
}

/** A 400 naming the one field that is wrong: `words` follow the field's name ("must not start with -"). */
export function invalidField(
  field: string,
  words: string,
  code: ValidationCode = 'invalid',
  params?: Record<string, string | number>,
): AppError {
  return invalidFields([problem(field, code, words, params)]);
}

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/;

/** Why `url` is not a clone URL Polytene can use (ssh, https or file), or null when it is. */
export function cloneUrlProblem(url: string): string | null {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (url !== url.trim() || /[\s\x00-\x1f\x7f]/.test(url))
    return 'must not contain spaces or control characters';
  if (url.startsWith('-')) return 'must not start with "-"';
  if (SCP_LIKE.test(url)) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an ssh (git@host:path or ssh://), https:// or file:// URL';
  }
  switch (parsed.protocol) {
    case 'ssh:':
    case 'https:':
      if (!parsed.hostname) return 'must name a host';
      if (parsed.pathname.length <= 1) return 'must name a repository path';
      if (parsed.protocol === 'https:' && parsed.password) return 'must not contain a password';
      return null;
    case 'file:':
      if (parsed.pathname.length <= 1) return 'must name a repository path';
      return null;
    default:
      return 'must be an ssh (git@host:path or ssh://), https:// or file:// URL';
  }
}
