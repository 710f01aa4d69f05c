import {
  RUNNER_ROUTES,
  fillPath,
  type Job,
  type JobUpdateResponse,
  type LogBatchResponse,
  type LogLine,
  type RunnerRequestBody,
  type RunnerRouteName,
} from '@polytene/protocol';

export class ProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`runner call answered ${status}: ${body}`);
  }
}

/**
 * One runner-protocol call over real HTTP as its RUNNER_ROUTES entry says: its method, its path (`:id`
 * from the job) and the token it names (the runner's, or the job's for the calls about a job).
 */
export function runnerFetch<N extends RunnerRouteName>(
  baseUrl: string,
  name: N,
  runnerToken: string,
  body: RunnerRequestBody<N>,
  job?: { id: number; token: string },
): Promise<Response> {
  const route = RUNNER_ROUTES[name];
  const token = route.auth === 'job' ? job?.token : runnerToken;
  if (token === undefined) throw new Error(`${name} is a call about a job: pass the job`);
  return fetch(baseUrl + fillPath(route.path, job ?? {}), {
    method: route.method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** A minimal scripted runner speaking the runner protocol over real HTTP, for cross-process tests. */
export class ScriptedRunner {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private call<N extends RunnerRouteName>(
    name: N,
    body: RunnerRequestBody<N>,
    job?: { id: number; token: string },
  ): Promise<Response> {
    return runnerFetch(this.baseUrl, name, this.token, body, job);
  }

  private async json<T>(res: Response): Promise<T> {
    if (!res.ok) throw new ProtocolError(res.status, await res.text());
    return (await res.json()) as T;
  }

  async hello(publicKey: string | null = null): Promise<void> {
    await this.json(
      await this.call('hello', {
        version: 'e2e',
        hostname: 'e2e-host',
        public_key: publicKey,
        concurrency: 1,
      }),
    );
  }

  /** Long-polls for a job: the job, or null on 204. */
  async requestJob(waitMs = 30_000): Promise<Job | null> {
    const res = await this.call('requestJob', { wait_ms: waitMs });
    if (res.status === 204) return null;
    if (res.status !== 201) throw new ProtocolError(res.status, await res.text());
    return (await res.json()) as Job;
  }

  async sendLog(job: Job, lines: LogLine[]): Promise<LogBatchResponse> {
    return this.json(await this.call('sendLog', { lines }, job));
  }

  async update(job: Job, update: RunnerRequestBody<'updateJob'>): Promise<JobUpdateResponse> {
    return this.json(await this.call('updateJob', update, job));
  }
}

/** Numbered stdout lines `from..to` with a recognisable text. */
export function numberedLines(
  from: number,
  to: number,
  text = (n: number) => `line ${n} of the deployment`,
): LogLine[] {
  const t = new Date().toISOString();
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    n: from + i,
    stream: 'stdout' as const,
    t,
    text: text(from + i),
  }));
}
