import {
  ERROR_STATUS,
  type ErrorCode,
  type ErrorCodeOf,
  type FieldProblem,
  type ValidationCode,
} from '@polytene/protocol';

/**
 * The one error type of the server: a code from the protocol's list, the HTTP status that code has
 * there, a message for people and details. Build one with the constructors below.
 */
export class AppError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.statusCode = ERROR_STATUS[code];
  }
}

/** A field problem; `code` may be left out where no VALIDATION_CODES entry fits (the web shows `message`). */
export type Problem = Omit<FieldProblem, 'code'> & { code?: ValidationCode };

export const badRequest = (message: string) => new AppError('BAD_REQUEST', message);
export const invalidJson = (message = 'the request body is not valid JSON') =>
  new AppError('INVALID_JSON', message);
/** 400 listing every problem in `details`; the message is theirs, joined, unless one is given. */
export const validationFailed = (
  problems: readonly Problem[],
  message = problems.map((p) => p.message).join('; '),
) => new AppError('VALIDATION_FAILED', message, problems);
/** 400 about one field: "`field` `words`", the words alone in its problem (no VALIDATION_CODES entry). */
export const invalidValue = (field: string, words: string) =>
  validationFailed([{ field, message: words }], `${field} ${words}`);
export const unauthorized = (message = 'authentication required') => new AppError('UNAUTHORIZED', message);
export const invalidCredentials = () => new AppError('INVALID_CREDENTIALS', 'wrong login or password');
export const forbidden = (message = 'you may not do this', details?: unknown) =>
  new AppError('FORBIDDEN', message, details);
export const csrfFailed = (header: string) =>
  new AppError('CSRF_FAILED', `send the ${header} header given at login`);
export const passwordChangeRequired = () =>
  new AppError('PASSWORD_CHANGE_REQUIRED', 'change your password first (POST /api/v1/user/password)');
export const notFound = (what: string, message = `${what} not found`, details?: unknown) =>
  new AppError('NOT_FOUND', message, details);
/** 409: the request does not fit the state of things; `code` tells the cases apart. */
export const conflict = (code: ErrorCodeOf<409>, message: string, details?: unknown) =>
  new AppError(code, message, details);
export const tooLarge = () => new AppError('BODY_TOO_LARGE', 'the request body is too large');
export const unsupportedMediaType = (message = 'send the body as application/json') =>
  new AppError('UNSUPPORTED_MEDIA_TYPE', message);
/** 502: a service Polytene called on the request's behalf failed. */
export const upstreamFailed = (code: ErrorCodeOf<502>, message: string, details?: unknown) =>
  new AppError(code, message, details);

const CLIENT_ERRORS: Readonly<Record<number, ErrorCode>> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** A 4xx that Fastify or a plugin threw (the rate limit's 429...), as the code of its status; else a 400. */
export const clientError = (status: number, message: string) =>
  new AppError(CLIENT_ERRORS[status] ?? 'BAD_REQUEST', message);
/** 410: something that existed and is no more (an expired or used invitation); `code` says which. */
export const gone = (code: ErrorCodeOf<410>, message: string) => new AppError(code, message);
/** /metrics refused: 401 without its token, 403 from an address it does not allow. */
export const metricsRefused = (status: 401 | 403, message: string) =>
  new AppError(status === 401 ? 'METRICS_TOKEN_REQUIRED' : 'METRICS_NOT_ALLOWED', message);
