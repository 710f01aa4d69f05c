/**
 * Validation of git refs and commit ids before they reach git or a shell (architecture.md §10). Mirrors
 * the rules of `git check-ref-format` for a branch or tag name.
 */
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export function isValidSha(value: string): boolean {
  return SHA.test(value);
}

/** Why `name` is not a valid branch/tag name, or null when it is. */
export function refNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 255) return 'is longer than 255 characters';
  if (name.startsWith('-')) return 'must not start with "-"';
  if (name === '@') return 'must not be "@"';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name))
    return 'contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'must not contain ".."';
  if (name.includes('@{')) return 'must not contain "@{"';
  if (name.includes('//')) return 'must not contain "//"';
  if (name.startsWith('/') || name.endsWith('/')) return 'must not start or end with "/"';
  if (name.endsWith('.')) return 'must not end with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'no part may start with "."';
    if (part.endsWith('.lock')) return 'no part may end with ".lock"';
  }
  return null;
}

/** `refs/heads/main` → `main`, `refs/tags/v1` → `v1`; anything else unchanged. */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}
