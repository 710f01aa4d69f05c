import {
  ErrorBody,
  RUNNER_API_PREFIX,
  RUNNER_ROUTES,
  runnerAnswerSchema,
  runnerPath,
  type HelloResponse,
  type Job,
  type JobUpdateResponse,
  type LogBatchResponse,
  type LogLine,
  type RunnerAnswer,
  type RunnerRequestBody,
  type RunnerRoute,
  type RunnerRouteName,
} from '@polytene/protocol';
import type { TSchema, Static } from 'typebox';
import { Value } from 'typebox/value';
import { AnswerTooLargeError, request } from './http-request.js';

/** The server could not be reached (network error, 5xx or 429) even after the retries. */
export class ServerUnavailableError extends Error {}

/** The server answered a 4xx: the request will not succeed by repeating it. */
export class ServerRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The server answered something that does not match the protocol. */
export class ProtocolError extends Error {}

export interface RetryPolicy {
  /** Attempts in all, including the first; Infinity retries until the signal aborts. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 250, maxDelayMs: 5_000 };

interface CallOptions {
  token: string;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Per-attempt time limit. */
  timeoutMs?: number;
}

/**
 * HTTP client for the runner protocol (architecture.md §5): each call takes its method, path and schemas from
 * RUNNER_ROUTES, and every answer is checked against the schema of its status.
 */
export class RunnerClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly runnerToken: string,
    /** Time limit of one attempt (a long poll gets its wait on top). */
    private readonly attemptTimeoutMs = 30_000,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  async hello(
    body: RunnerRequestBody<'hello'>,
    retry: RetryPolicy = DEFAULT_RETRY,
    signal?: AbortSignal,
  ): Promise<HelloResponse> {
    const answer = await this.call('hello', runnerPath('hello'), body, {
      token: this.runnerToken,
      retry,
      signal,
    });
    return answer.body;
  }

  /** Long poll: a job, or null when the server had none within `waitMs`. */
  async requestJob(waitMs: number, signal?: AbortSignal): Promise<Job | null> {
    const answer = await this.call(
      'requestJob',
      runnerPath('requestJob'),
      { wait_ms: waitMs },
      { token: this.runnerToken, signal, timeoutMs: waitMs + this.attemptTimeoutMs },
    );
    return answer.status === 204 ? null : answer.body;
  }

  async sendLog(
    job: { id: number; token: string },
    lines: LogLine[],
    retry: RetryPolicy,
    signal?: AbortSignal,
  ): Promise<LogBatchResponse> {
    const answer = await this.call(
      'sendLog',
      runnerPath('sendLog', job),
      { lines },
      { token: job.token, retry, signal },
    );
    return answer.body;
  }

  async updateJob(
    job: { id: number; token: string },
    update: RunnerRequestBody<'updateJob'>,
    retry: RetryPolicy,
    signal?: AbortSignal,
  ): Promise<JobUpdateResponse> {
    const answer = await this.call('updateJob', runnerPath('updateJob', job), update, {
      token: job.token,
      retry,
      signal,
    });
    return answer.body;
  }

  /** Sends route `name` to `path` (its path with the parameters filled in); answers the checked answer. */
  private async call<N extends RunnerRouteName>(
    name: N,
    path: string,
    body: RunnerRequestBody<N>,
    options: CallOptions,
  ): Promise<RunnerAnswer<N>> {
    const { status, json } = await this.send(RUNNER_ROUTES[name].method, path, body, options);
    const what = path.slice(RUNNER_API_PREFIX.length);
    const schema = runnerAnswerSchema(name, status);
    if (!schema)
      throw new ProtocolError(`the server answered ${what} with ${status}, which the protocol lacks`);
    return { status, body: checked(schema, json, what) } as RunnerAnswer<N>;
  }

  private async send(
    method: RunnerRoute['method'],
    path: string,
    body: unknown,
    options: CallOptions,
  ): Promise<{ status: number; json: unknown }> {
    const retry = options.retry ?? { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 };
    let delay = retry.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      const timeout = AbortSignal.timeout(options.timeoutMs ?? this.attemptTimeoutMs);
      try {
        const response = await request(new URL(this.base + path), {
          method,
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
        });
        const json = response.text ? parseJson(response.text) : null;
        if (response.status >= 200 && response.status < 300) return { status: response.status, json };
        const error = Value.Check(ErrorBody, json) ? json.error : null;
        failure = `${response.status} ${error?.message ?? response.statusText}`;
        if (response.status < 500 && response.status !== 429) {
          throw new ServerRefusedError(response.status, error?.code ?? String(response.status), failure);
        }
      } catch (error) {
        if (error instanceof ServerRefusedError || error instanceof ProtocolError) throw error;
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        if (error instanceof AnswerTooLargeError) throw new ProtocolError(`the server's ${error.message}`);
        failure = timeout.aborted ? 'timed out' : networkProblem(error);
      }
      if (attempt >= retry.attempts) {
        throw new ServerUnavailableError(`cannot reach Polytene at ${this.base}${path}: ${failure}`);
      }
      await sleep(jitter(delay), options.signal);
      delay = Math.min(retry.maxDelayMs, Math.max(delay * 2, 1));
    }
  }
}

function checked<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  if (Value.Check(schema, value)) return value;
  const first = [...Value.Errors(schema, value)][0];
  throw new ProtocolError(
    `the server's answer to ${what} does not match the protocol: ${first?.instancePath || '/'} ${first?.message ?? ''}`,
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError(`the server answered with something that is not JSON: ${text.slice(0, 80)}`);
  }
}

/** A short reason for a failed request: `connect ECONNREFUSED 127.0.0.1:9`, `socket hang up`, ... */
function networkProblem(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: string }).code;
  return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
}

function jitter(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
