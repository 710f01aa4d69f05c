import type { FastifyRequest } from 'fastify';
import { unsupportedMediaType } from '../errors.js';
import { ErrorResponse } from '../http/schemas.js';

/** 415 with `words` unless the request says its body is JSON (a CI's webhook settings choose it). */
export function requireJsonBody(request: FastifyRequest, words: string): void {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw unsupportedMediaType(words);
}

/** The error answers every CI webhook route documents besides its own 200. */
export const WEBHOOK_ERRORS = {
  400: ErrorResponse,
  401: ErrorResponse,
  404: ErrorResponse,
  413: ErrorResponse,
  415: ErrorResponse,
};
