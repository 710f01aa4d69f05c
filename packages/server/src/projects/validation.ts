import { validationFailed, type AppError } from '../errors.js';

/** A 422 naming the one field that is wrong, in the same shape as schema validation errors. */
export function invalidField(field: string, problem: string): AppError {
  return validationFailed(`${field} ${problem}`, [{ field, message: problem }]);
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
