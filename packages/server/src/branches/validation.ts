import {
  MIN_SECRET_LENGTH,
  isTooShortForSecret,
  refNameProblem,
  type FieldProblem,
} from '@polytene/protocol';
import { validationFailed } from '../errors.js';
import { problem } from '../http/problems.js';

export const ENV_VAR_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_PREFIX = 'POLYTENE_';
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Why `name` is not a simple environment name (letters, digits, ".", "_", "-"), or null. */
export function environmentProblem(name: string): string | null {
  if (name.length === 0 || name.length > 64) return 'must be 1 to 64 characters';
  if (!ENVIRONMENT_NAME.test(name))
    return 'may hold only letters, digits, ".", "_" and "-", starting with a letter or digit';
  return null;
}

/** Why `dir` is not a safe relative directory inside the work tree, or null. */
export function artifactsDirProblem(dir: string): string | null {
  if (dir.length === 0 || dir.length > 255) return 'must be 1 to 255 characters';
  if (dir.startsWith('/')) return 'must be a relative path';
  const segments = dir.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..')) return 'must not contain ".."';
  if (!segments.every((s) => PATH_SEGMENT.test(s)))
    return 'may hold only letters, digits, ".", "_", "-" and "/" between names';
  return null;
}

/** Why `key` cannot name a variable of a deployment, or null. */
export function variableKeyProblem(key: string): string | null {
  if (!ENV_VAR_KEY.test(key)) return 'must be an environment variable name (letters, digits, "_")';
  if (key.toUpperCase().startsWith(RESERVED_PREFIX)) return `must not start with ${RESERVED_PREFIX}`;
  return null;
}

/** The code of what `variableKeyProblem` found: a reserved prefix, or not a variable name at all. */
export function variableKeyCode(key: string): 'reserved_prefix' | 'env_var_name' {
  return ENV_VAR_KEY.test(key) ? 'reserved_prefix' : 'env_var_name';
}

/** The problems of each field, none when it is fine or not given (`problems` in one 400 at once). */
export function branchNameProblems(name: string | undefined): FieldProblem[] {
  const words = name === undefined ? null : refNameProblem(name);
  return words ? [problem('branch_name', 'git_ref', words)] : [];
}

export function environmentProblems(name: string | undefined): FieldProblem[] {
  const words = name === undefined ? null : environmentProblem(name);
  return words ? [problem('environment', 'environment_name', words)] : [];
}

export function artifactsDirProblems(dir: string | undefined): FieldProblem[] {
  const words = dir === undefined ? null : artifactsDirProblem(dir);
  return words ? [problem('artifacts_dir', 'relative_path', words)] : [];
}

/**
 * Refuses a secret value shorter than MIN_SECRET_LENGTH (masking it would hide unrelated text in logs),
 * also one stored before the rule that a change would keep: its owner is asked for a longer one.
 */
export function checkSecretLength(key: string, index: number, value: string, stored: boolean): void {
  if (!isTooShortForSecret(value)) return;
  const problem = `a secret value must be at least ${MIN_SECRET_LENGTH} characters long`;
  const hint = stored ? ' (the stored value is shorter: enter a new one)' : '';
  throw validationFailed(
    [
      {
        field: `variables.${index}.value`,
        code: 'too_short',
        params: { limit: MIN_SECRET_LENGTH },
        message: `${problem}${hint}`,
      },
    ],
    `Variable ${key}: ${problem}${hint}`,
  );
}
