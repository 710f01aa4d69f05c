/** The one error type of the server: a code, an HTTP status, a message for people and details. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new AppError(400, 'BAD_REQUEST', message, details);
export const validationFailed = (message: string, details?: unknown) =>
  new AppError(422, 'VALIDATION_FAILED', message, details);
export const unauthorized = (message = 'authentication required') =>
  new AppError(401, 'UNAUTHORIZED', message);
export const forbidden = (message = 'you may not do this') => new AppError(403, 'FORBIDDEN', message);
export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found`);
export const conflict = (message: string, details?: unknown) =>
  new AppError(409, 'CONFLICT', message, details);
/** Something that existed and is no more (an expired or used invitation); `code` says which. */
export const gone = (code: string, message: string) => new AppError(410, code, message);
/** A server this one depends on (the SMTP server) failed. */
export const badGateway = (code: string, message: string) => new AppError(502, code, message);
