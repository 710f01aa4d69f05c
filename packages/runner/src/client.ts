import {
  ErrorBody,
  HelloResponse,
  Job,
  JobUpdateResponse,
  LogBatchResponse,
  RUNNER_API_PREFIX,
  type HelloRequest,
  type JobUpdate,
  type LogLine,
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
  method: 'POST' | 'PUT';
  body: unknown;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Per-attempt time limit. */
  timeoutMs?: number;
}

/**
 * HTTP client for the runner protocol (architecture.md §5); every answer is checked against the shared
 * schemas.
 */
export class RunnerClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly runnerToken: string,
    /** Time limit of one attempt (a long poll gets its wait on top). */
    private readonly attemptTimeoutMs = 30_000,
  ) {
    this.base = url.replace(/\/+$/, '') + RUNNER_API_PREFIX;
  }

  hello(
    body: HelloRequest,
    retry: RetryPolicy = DEFAULT_RETRY,
    signal?: AbortSignal,
  ): Promise<HelloResponse> {
    return this.call('/hello', HelloResponse, {
      token: this.runnerToken,
      method: 'POST',
      body,
      retry,
      signal,
    });
  }

  /** Long poll: a job, or null when the server had none within `waitMs`. */
  async requestJob(waitMs: number, signal?: AbortSignal): Promise<Job | null> {
    const { status, json } = await this.send('/jobs/request', {
      token: this.runnerToken,
      method: 'POST',
      body: { wait_ms: waitMs },
      signal,
      timeoutMs: waitMs + this.attemptTimeoutMs,
    });
    if (status === 204) return null;
    return checked(Job, json, 'job');
  }

  sendLog(
    job: { id: number; token: string },
    lines: LogLine[],
    retry: RetryPolicy,
    signal?: AbortSignal,
  ): Promise<LogBatchResponse> {
    return this.call(`/jobs/${job.id}/log`, LogBatchResponse, {
      token: job.token,
      method: 'POST',
      body: { lines },
      retry,
      signal,
    });
  }

  updateJob(
    job: { id: number; token: string },
    update: JobUpdate,
    retry: RetryPolicy,
    signal?: AbortSignal,
  ): Promise<JobUpdateResponse> {
    return this.call(`/jobs/${job.id}`, JobUpdateResponse, {
      token: job.token,
      method: 'PUT',
      body: update,
      retry,
      signal,
    });
  }

  private async call<S extends TSchema>(path: string, schema: S, options: CallOptions): Promise<Static<S>> {
    const { json } = await this.send(path, options);
    return checked(schema, json, path);
  }

  private async send(path: string, options: CallOptions): Promise<{ status: number; json: unknown }> {
    const retry = options.retry ?? { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 };
    let delay = retry.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      const timeout = AbortSignal.timeout(options.timeoutMs ?? this.attemptTimeoutMs);
      try {
        const response = await request(new URL(this.base + path), {
          method: options.method,
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(options.body),
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
