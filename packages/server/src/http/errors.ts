import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS } from '@polytene/protocol';
import {
  AppError,
  badRequest,
  conflict,
  clientError,
  invalidJson,
  tooLarge,
  unsupportedMediaType,
  validationFailed,
} from '../errors.js';
import { paramLabels, problemsOf, type AjvItem } from './problems.js';

/**
 * Turns any error into `{error: {code, message, details}}`; a request that fails its schema lists every
 * problem in `details` (field, code, params, message) and all their messages in `message`; 5xx answers carry a request id, never a stack. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known =
    error instanceof AppError
      ? error
      : error.validation
        ? schemaProblems(error, request)
        : mapKnownError(error, (error as unknown as { code?: string }).code);
  if (known) {
    void reply
      .status(known.statusCode)
      .send({ error: { code: known.code, message: known.message, details: known.details } });
    return;
  }
  request.log.error({ err: error }, 'request failed');
  void reply.status(ERROR_STATUS.INTERNAL).send({
    error: { code: 'INTERNAL', message: 'something went wrong on the server', request_id: request.id },
  });
}

function schemaProblems(error: FastifyError, request: FastifyRequest): AppError {
  const where = error.validationContext;
  const labels = where === 'params' ? paramLabels(request.routeOptions.url) : {};
  const problems = problemsOf(error.validation as AjvItem[], where, labels);
  const checks = where === 'body' ? request.routeOptions.config?.fieldChecks : undefined;
  for (const extra of checks?.(request.body) ?? []) {
    if (!problems.some((p) => p.field === extra.field)) problems.push(extra);
  }
  return validationFailed(problems, problems.map((p) => p.message).join('; ') || 'invalid request');
}

function mapKnownError(error: FastifyError, code: string | undefined): AppError | null {
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidJson(`the request body is not valid JSON: ${error.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return tooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType();
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return badRequest('the Content-Length does not match the body');
    case '23505':
      return conflict('CONFLICT', 'a record with these values exists already');
    case '23503':
      return validationFailed([], 'a referenced record does not exist');
    case '22P02':
    case '22003':
      return badRequest('a value has the wrong form or is out of range');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    return clientError(error.statusCode, error.message);
  if (error instanceof SyntaxError) return invalidJson();
  return null;
}
