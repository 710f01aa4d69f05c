import { GitbeakerRequestError, GitbeakerRetryError, GitbeakerTimeoutError } from '@gitbeaker/rest';
import { conflict, upstreamFailed, type AppError } from '../errors.js';

/** Why a call to GitLab failed, in the words a person can act on. */
export type GitlabErrorKind =
  | 'not_connected'
  | 'bad_url'
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'insufficient_scope'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'rejected'
  | 'server_error'
  | 'malformed';

/** Worth trying again later: GitLab was away or busy, not wrong about us. */
const TRANSIENT: ReadonlySet<GitlabErrorKind> = new Set([
  'unreachable',
  'timeout',
  'rate_limited',
  'server_error',
]);

export class GitlabError extends Error {
  constructor(
    readonly kind: GitlabErrorKind,
    message: string,
    /** GitLab's HTTP status, when it answered. */
    readonly status: number | null = null,
  ) {
    super(message);
  }

  get transient(): boolean {
    return TRANSIENT.has(this.kind);
  }
}

/**
 * The error of a Polytene API call that needed GitLab: 502 `GITLAB_<KIND>` with what GitLab did wrong;
 * no usable connection is the 409 GITLAB_NOT_CONNECTED, as when the user has none.
 */
export function gitlabAppError(error: GitlabError): AppError {
  const details = { kind: error.kind, gitlab_status: error.status };
  const kind = error.kind;
  if (kind === 'not_connected') return conflict('GITLAB_NOT_CONNECTED', error.message, details);
  return upstreamFailed(`GITLAB_${kind.toUpperCase() as Uppercase<typeof kind>}`, error.message, details);
}

/** Turns anything gitbeaker or fetch throws into a GitlabError saying in plain words what went wrong. */
export function classifyGitlabFailure(error: unknown, gitlabUrl: string, what: string): GitlabError {
  if (error instanceof GitlabError) return error;
  const at = `GitLab at ${gitlabUrl}`;
  if (error instanceof GitbeakerTimeoutError) {
    return new GitlabError('timeout', `${at} did not answer in time (${what})`);
  }
  if (error instanceof GitbeakerRetryError) {
    const status = Number(/last status code: (\d+)/.exec(error.message)?.[1] ?? 0) || null;
    return status === 429
      ? new GitlabError(
          'rate_limited',
          `${at} keeps answering 429 Too Many Requests (${what}); try again later`,
          429,
        )
      : new GitlabError('server_error', `${at} keeps answering ${status ?? 'an error'} (${what})`, status);
  }
  if (error instanceof GitbeakerRequestError) return fromResponse(error, at, what);
  if (error instanceof SyntaxError) {
    return new GitlabError('malformed', `${at} sent an answer that is not valid JSON (${what})`);
  }
  if (error instanceof TypeError && error.message.includes('Invalid URL'))
    return new GitlabError('bad_url', `${gitlabUrl} is not a valid URL`);
  // Refused, reset, or not HTTP at all: the same plain words for each, so no socket error code tells
  // one kind of port from another.
  return new GitlabError('unreachable', `${at} did not answer (${what})`);
}

function fromResponse(error: GitbeakerRequestError, at: string, what: string): GitlabError {
  const status = error.cause?.response.status ?? 0;
  const said = (error.cause?.description ?? error.message).slice(0, 300);
  switch (status) {
    case 401:
      return new GitlabError(
        'unauthorized',
        `${at} refused the token (401): it is wrong, expired or revoked`,
        401,
      );
    case 403:
      return said.includes('insufficient_scope')
        ? new GitlabError(
            'insufficient_scope',
            `${at} refused ${what} (403 insufficient_scope): the token needs the "api" scope`,
            403,
          )
        : new GitlabError(
            'forbidden',
            `${at} refused ${what} (403): the token's user lacks the permission (Maintainer is needed for webhooks and deploy keys)`,
            403,
          );
    case 404:
      return new GitlabError('not_found', `${at} answered 404 for ${what}: ${said || 'not found'}`, 404);
    case 429:
      return new GitlabError('rate_limited', `${at} is rate limiting (429) ${what}; try again later`, 429);
  }
  if (status >= 500)
    return new GitlabError('server_error', `${at} failed (${status}) on ${what}: ${said}`, status);
  return new GitlabError('rejected', `${at} rejected ${what} (${status}): ${said}`, status);
}
