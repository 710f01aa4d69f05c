import type { Job, JobUpdate, JobUpdateResponse, LogBatchResponse, LogLine } from '@polytene/protocol';

export class ProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`runner call answered ${status}: ${body}`);
  }
}

/** A minimal scripted runner speaking the runner protocol over real HTTP, for cross-process tests. */
export class ScriptedRunner {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call(method: string, path: string, token: string, body: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}/api/v1/runner${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private async json<T>(res: Response): Promise<T> {
    if (!res.ok) throw new ProtocolError(res.status, await res.text());
    return (await res.json()) as T;
  }

  async hello(publicKey: string | null = null): Promise<void> {
    await this.json(
      await this.call('POST', '/hello', this.token, {
        version: 'e2e',
        hostname: 'e2e-host',
        public_key: publicKey,
        concurrency: 1,
      }),
    );
  }

  /** Long-polls for a job: the job, or null on 204. */
  async requestJob(waitMs = 30_000): Promise<Job | null> {
    const res = await this.call('POST', '/jobs/request', this.token, { wait_ms: waitMs });
    if (res.status === 204) return null;
    if (res.status !== 201) throw new ProtocolError(res.status, await res.text());
    return (await res.json()) as Job;
  }

  async sendLog(job: Job, lines: LogLine[]): Promise<LogBatchResponse> {
    return this.json(await this.call('POST', `/jobs/${job.id}/log`, job.token, { lines }));
  }

  async update(job: Job, update: JobUpdate): Promise<JobUpdateResponse> {
    return this.json(await this.call('PUT', `/jobs/${job.id}`, job.token, update));
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
