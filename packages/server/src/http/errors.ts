import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { paramLabels, problemsOf, type AjvItem } from './problems.js';

/**
 * Turns any error into `{error: {code, message, details}}`; a request that fails its schema lists every
 * problem in `details` (field, code, params, message) and all their messages in `message`; 5xx answers carry a request id, never a stack. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof AppError) {
    void reply
      .status(error.statusCode)
      .send({ error: { code: error.code, message: error.message, details: error.details } });
    return;
  }
  if (error.validation) {
    const where = error.validationContext;
    const labels = where === 'params' ? paramLabels(request.routeOptions.url) : {};
    const problems = problemsOf(error.validation as AjvItem[], where, labels);
    const checks = where === 'body' ? request.routeOptions.config?.fieldChecks : undefined;
    for (const extra of checks?.(request.body) ?? []) {
      if (!problems.some((p) => p.field === extra.field)) problems.push(extra);
    }
    const message = problems.map((p) => p.message).join('; ') || 'invalid request';
    void reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message, details: problems } });
    return;
  }
  const pgCode = (error as unknown as { code?: string }).code;
  const mapped = mapKnownError(error, pgCode);
  if (mapped) {
    void reply.status(mapped.statusCode).send({ error: { code: mapped.code, message: mapped.message } });
    return;
  }
  request.log.error({ err: error }, 'request failed');
  void reply.status(500).send({
    error: { code: 'INTERNAL', message: 'something went wrong on the server', request_id: request.id },
  });
}

function mapKnownError(error: FastifyError, code: string | undefined): AppError | null {
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'INVALID_JSON', `the request body is not valid JSON: ${error.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'BODY_TOO_LARGE', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(400, 'BAD_REQUEST', 'the Content-Length does not match the body');
    case '23505':
      return new AppError(409, 'CONFLICT', 'a record with these values exists already');
    case '23503':
      return new AppError(422, 'VALIDATION_FAILED', 'a referenced record does not exist');
    case '22P02':
    case '22003':
      return new AppError(400, 'BAD_REQUEST', 'a value has the wrong form or is out of range');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    const errorCode = error.statusCode === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST';
    return new AppError(error.statusCode, errorCode, error.message);
  }
  if (error instanceof SyntaxError)
    return new AppError(400, 'INVALID_JSON', 'the request body is not valid JSON');
  return null;
}
