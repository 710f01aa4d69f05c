/** Field problems in the user's language: the API's (or the form's own) code and params, never its English. */
import type { ValidationCode } from '@polytene/protocol/limits';
import type { FieldProblem } from '../api/client';
import type { MessageKey, Translate } from '../i18n/translate';

const KEYS: Record<ValidationCode, MessageKey> = {
  required: 'validation.required',
  blank: 'validation.blank',
  too_short: 'validation.too_short',
  too_long: 'validation.too_long',
  too_small: 'validation.too_small',
  too_large: 'validation.too_large',
  too_few: 'validation.too_few',
  too_many: 'validation.too_many',
  not_integer: 'validation.not_integer',
  not_number: 'validation.not_number',
  not_string: 'validation.not_string',
  not_boolean: 'validation.not_boolean',
  wrong_type: 'validation.wrong_type',
  not_email: 'validation.not_email',
  invalid_format: 'validation.invalid_format',
  not_allowed: 'validation.not_allowed',
  unknown_field: 'validation.unknown_field',
  duplicate: 'validation.duplicate',
  git_ref: 'validation.git_ref',
  clone_url: 'validation.clone_url',
  environment_name: 'validation.environment_name',
  relative_path: 'validation.relative_path',
  env_var_name: 'validation.env_var_name',
  reserved_prefix: 'validation.reserved_prefix',
  invalid: 'validation.invalid',
};

/**
 * The words for one problem. A problem without a code known to this UI (an older server, a check that
 * names none) keeps the server's message: better English than nothing.
 */
export function problemText(problem: FieldProblem, t: Translate): string {
  const key = problem.code ? KEYS[problem.code] : undefined;
  if (!key) return problem.message;
  const text = t(key, problem.params ?? {});
  // `invalid` is a check with its own English reason (a clone URL, a branch name): keep it as a detail.
  return problem.code === 'invalid' && problem.message ? `${text} (${problem.message})` : text;
}

/** A problem the form finds itself before sending, in the API's shape. */
export function localProblem(
  field: string,
  code: ValidationCode,
  params?: Record<string, number>,
): FieldProblem {
  return { field, code, params, message: `${field}: ${code}` };
}
