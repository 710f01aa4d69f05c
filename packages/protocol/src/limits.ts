/**
 * Limits of the fields a person fills in, and the codes of the problems the API reports for them. The
 * server builds its request schemas from these numbers and the web puts them on its inputs, so both
 * always agree. No imports: the web bundles this file on its own (`@polytene/protocol/limits`).
 */
export const PROJECT_LIMITS = {
  name: { maxLength: 200 },
  clone_url: { maxLength: 2000 },
  default_branch: { maxLength: 255 },
} as const;

export const BRANCH_LIMITS = {
  branch_name: { maxLength: 255 },
  deployment_script: { maxLength: 1_000_000 },
  environment: { maxLength: 64 },
  artifacts_dir: { maxLength: 255 },
  notification_email: { maxLength: 254 },
  notification_emails: { maxItems: 100 },
  timeout_seconds: { minimum: 1, maximum: 86_400 },
  variable_key: { maxLength: 255 },
  variable_value: { maxLength: 65_536 },
  variables: { maxItems: 500 },
} as const;

export const ENVIRONMENT_LIMITS = {
  name: { maxLength: 64 },
  position: { minimum: 0, maximum: 1_000_000 },
  url: { maxLength: 2000 },
  targets: { maxItems: 500 },
  target_name: { maxLength: 255 },
  target_address: { maxLength: 255 },
  target_groups: { maxItems: 50 },
  target_variables: { maxProperties: 100 },
  target_variable_key: { maxLength: 100 },
  target_variable_value: { maxLength: 4096 },
  holdReason: { maxLength: 500 },
  required_approvals: { minimum: 0, maximum: 10 },
  deployers: { maxItems: 100 },
} as const;

export const FREEZE_LIMITS = {
  time_zone: { maxLength: 64 },
  reason: { maxLength: 1000 },
  expire_hours: { minimum: 1, maximum: 8760 },
} as const;

/** A decision on a deployment awaiting approval. */
export const APPROVAL_LIMITS = {
  comment: { maxLength: 2000 },
} as const;

export const RUNNER_LIMITS = {
  name: { maxLength: 100 },
} as const;

export const USER_LIMITS = {
  login: { maxLength: 64 },
  email: { maxLength: 254 },
  name: { maxLength: 200 },
  password: { maxLength: 1000 },
} as const;

/** What a field problem is, for a machine: the web translates `code` with its `params`. */
export const VALIDATION_CODES = [
  'required',
  'blank',
  'too_short',
  'too_long',
  'too_small',
  'too_large',
  'too_few',
  'too_many',
  'not_integer',
  'not_number',
  'not_string',
  'not_boolean',
  'wrong_type',
  'not_email',
  'invalid_format',
  'not_allowed',
  'unknown_field',
  'duplicate',
  'git_ref',
  'clone_url',
  'environment_name',
  'relative_path',
  'env_var_name',
  'reserved_prefix',
  'invalid',
] as const;
export type ValidationCode = (typeof VALIDATION_CODES)[number];

/** One problem with a request: where (`variables.0.key`), what, its numbers, and an English sentence. */
export interface FieldProblem {
  field: string;
  code: ValidationCode;
  params?: Record<string, string | number>;
  message: string;
}
