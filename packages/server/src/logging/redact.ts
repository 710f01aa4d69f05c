import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import { JOB_TOKEN_PREFIX, RUNNER_TOKEN_PREFIX } from '@polytene/protocol';
import { API_TOKEN_PREFIX, CSRF_HEADER, SESSION_TOKEN_PREFIX } from '../auth/service.js';
import { SIGNATURE_HEADER } from '../intake/generic/signature.js';
import { INVITATION_TOKEN_PREFIX } from '../invitations/mail.js';

/**
 * No secret in any log line (architecture.md §10). The server's own tokens have a prefix
 * (`pt_`, `prt_`, `pjt_`, `ps_`, `pi_`); the project webhook secret has none, so it is found by where it sits:
 * the legacy intake URL `/api/v1/builds/<secret>/create`; an invitation's token also by its place in a path.
 */
export const REDACTED = '[REDACTED]';

/** Headers that carry a credential: replaced wherever a logged object holds `headers`. */
const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-gitlab-token',
  // What @gitbeaker sends to GitLab, should one of its requests be logged.
  'private-token',
  'job-token',
  CSRF_HEADER,
  SIGNATURE_HEADER,
];

/** A path segment after `/builds/` that is not a build id is the legacy hook's secret (or a mistyped one). */
const BUILDS_TOKEN = /(\/builds\/)(?!\d+(?:[/?#\s"'`]|$))[^/?#\s"'`]+/gi;
/** An invitation's token in its web page `/invitations/<token>` or API path `/invitations/by-token/<token>`. */
const INVITATION_TOKEN = /(\/invitations\/(?:by-token\/)?)(?!\d+(?:[/?#\s"'`]|$))[^/?#\s"'`]+/gi;
/** Query parameters whose name says they hold a credential. */
const SECRET_QUERY =
  /([?&][^=&#\s"'`]*(?:token|secret|password|passwd|key|signature|auth|session)[^=&#\s"'`]*=)[^&#\s"'`]*/gi;
const PREFIXED_TOKEN = new RegExp(
  `\\b(${[API_TOKEN_PREFIX, RUNNER_TOKEN_PREFIX, JOB_TOKEN_PREFIX, SESSION_TOKEN_PREFIX, INVITATION_TOKEN_PREFIX].join('|')})_[A-Za-z0-9_-]{16,}`,
  'g',
);
const BEARER = /\b(Bearer\s+)[^\s"'`,;]+/gi;

/** A request URL as it may be logged: the legacy hook's secret and credential query values replaced. */
export function redactUrl(url: string): string {
  return url
    .replace(BUILDS_TOKEN, `$1${REDACTED}`)
    .replace(INVITATION_TOKEN, `$1${REDACTED}`)
    .replace(SECRET_QUERY, `$1${REDACTED}`);
}

/** Any text about to be logged (messages, error messages and stacks): every token form we know replaced. */
export function redactText(text: string): string {
  return redactUrl(text).replace(BEARER, `$1${REDACTED}`).replace(PREFIXED_TOKEN, `$1_${REDACTED}`);
}

/** A copy of a logged value with the text in it redacted and credential headers replaced. */
function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 10 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  // Errors, requests and the like are left to their serializers (below), which pino runs later.
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const secretHeader = key === 'headers' && item !== null && typeof item === 'object';
    copy[key] = secretHeader ? redactHeaders(item as Record<string, unknown>) : redactValue(item, depth + 1);
  }
  return copy;
}

function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    copy[name] = SECRET_HEADERS.includes(name.toLowerCase()) ? REDACTED : redactValue(value, 1);
  }
  return copy;
}

interface LoggedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
}

/**
 * What pino's error serializer shows (type, message, stack, the error's own fields such as a PostgreSQL
 * `detail`, and its `cause`), redacted.
 */
function serializeError(error: Error, depth = 0): LoggedError {
  // Whatever was logged under `err`, even when it is not an Error.
  if (!(error instanceof Error)) {
    return { type: typeof error, message: redactText(JSON.stringify(error) ?? String(error)), stack: '' };
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) fields[key] = logged(value, depth);
  if (error.cause !== undefined) fields.cause = logged(error.cause, depth);
  return {
    ...fields,
    type: error.name,
    message: redactText(error.message),
    stack: redactText(error.stack ?? ''),
  };
}

function logged(value: unknown, depth: number): unknown {
  if (!(value instanceof Error)) return redactValue(value, 1);
  return depth < 3 ? serializeError(value, depth + 1) : redactText(String(value));
}

/** Fastify's request fields, with the URL redacted. */
function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

/** The options of the server's pino logger: every line redacted as above. */
export function loggerOptions(level: string, stream?: LoggerOptions['stream']): LoggerOptions {
  const headerPaths = SECRET_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`]);
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: headerPaths, censor: REDACTED },
    serializers: {
      // Fastify calls this with its request object, not the raw one its types name.
      req: serializeRequest as unknown as (req: unknown) => Record<string, unknown>,
      err: serializeError,
    },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg) => redactValue(arg)) as Parameters<typeof method>;
        method.apply(this, redacted);
      },
    },
  };
}
