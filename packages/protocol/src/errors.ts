/**
 * Every error code the API answers in `{"error": {"code", ...}}`, each with its one HTTP status. The
 * server builds its errors from this table (its constructors take an `ErrorCode`, never a free string)
 * and its `ErrorResponse` schema lists these codes; clients tell errors apart by `code`. The problems of
 * single fields inside a VALIDATION_FAILED are `VALIDATION_CODES` (limits.ts).
 */
export const ERROR_STATUS = {
  /** A request Polytene cannot read (wrong form, out of range). */
  BAD_REQUEST: 400,
  /** Fields that break a rule: `details` lists every problem as a `FieldProblem`. */
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  /** /metrics without its token (401) or from an address it does not allow (403). */
  METRICS_TOKEN_REQUIRED: 401,
  METRICS_NOT_ALLOWED: 403,
  /** The user must change the password first (only `POST /api/v1/user/password` works until then). */
  PASSWORD_CHANGE_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ALREADY_MEMBER: 409,
  /** The user owns the project: an owner is not also a member. */
  PROJECT_OWNER: 409,
  GITLAB_NOT_CONNECTED: 409,
  INVALID_TRANSITION: 409,
  /** A runner reported on a job that already has a final status. */
  JOB_FINISHED: 409,
  /** An invitation to that address is pending already. */
  INVITATION_PENDING: 409,
  /** An invitation link that was used, revoked or has expired. */
  INVITATION_USED: 410,
  INVITATION_REVOKED: 410,
  INVITATION_EXPIRED: 410,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** The SMTP server did not take a mail that had to go out (an invitation): nothing was saved. */
  MAIL_FAILED: 502,
  /** A call to GitLab failed: `details.kind` says how (server gitlab/errors.ts). */
  GITLAB_BAD_URL: 502,
  GITLAB_UNREACHABLE: 502,
  GITLAB_TIMEOUT: 502,
  GITLAB_UNAUTHORIZED: 502,
  GITLAB_INSUFFICIENT_SCOPE: 502,
  GITLAB_FORBIDDEN: 502,
  GITLAB_NOT_FOUND: 502,
  GITLAB_RATE_LIMITED: 502,
  GITLAB_REJECTED: 502,
  GITLAB_SERVER_ERROR: 502,
  GITLAB_MALFORMED: 502,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/** The codes answered with HTTP status `S`: `ErrorCodeOf<409>` is 'CONFLICT' | 'ALREADY_MEMBER' | .... */
export type ErrorCodeOf<S extends number> = {
  [C in ErrorCode]: (typeof ERROR_STATUS)[C] extends S ? C : never;
}[ErrorCode];
