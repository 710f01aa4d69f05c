import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RUNNER_ROUTES } from '@polytene/protocol';
import {
  ProtocolError,
  RunnerClient,
  ServerRefusedError,
  ServerUnavailableError,
  type RetryPolicy,
} from './client.js';

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real HTTP server on 127.0.0.1 answering the runner's calls with `handler`. */
async function serve(handler: Handler): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(res: http.ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

const HELLO = {
  runner_id: 7,
  name: 'deploy-1',
  lease_seconds: 60,
  log_flush_ms: 500,
  max_log_batch_lines: 1000,
  max_log_line_chars: 10000,
};
const HELLO_REQUEST = { version: '0.1.0', hostname: 'h', concurrency: 1, public_key: null };
const QUICK: RetryPolicy = { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 };

describe('runner protocol client', () => {
  it('sends the runner token and JSON body, and returns the checked answer', async () => {
    const seen: { auth?: string; type?: string; body?: unknown; path?: string } = {};
    const url = await serve((req, body, res) => {
      Object.assign(seen, {
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        body: JSON.parse(body),
        path: req.url,
      });
      json(res, 200, HELLO);
    });
    const answer = await new RunnerClient(`${url}/`, 'prt_secret').hello(HELLO_REQUEST, QUICK);
    expect(answer).toEqual(HELLO);
    expect(seen).toEqual({
      auth: 'Bearer prt_secret',
      type: 'application/json',
      body: HELLO_REQUEST,
      path: '/api/v1/runner/hello',
    });
  });

  it('retries a 503 and succeeds once the server is back', async () => {
    let calls = 0;
    const url = await serve((_req, _body, res) => {
      calls++;
      if (calls < 3) json(res, 503, { error: { code: 'unavailable', message: 'starting' } });
      else json(res, 200, HELLO);
    });
    await expect(new RunnerClient(url, 'prt_x').hello(HELLO_REQUEST, QUICK)).resolves.toEqual(HELLO);
    expect(calls).toBe(3);
  });

  it('does not retry a 4xx and names the code and message the server gave', async () => {
    let calls = 0;
    const url = await serve((_req, _body, res) => {
      calls++;
      json(res, 401, { error: { code: 'unauthorized', message: 'unknown runner token' } });
    });
    const error = await new RunnerClient(url, 'prt_x').hello(HELLO_REQUEST, QUICK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerRefusedError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', message: '401 unknown runner token' });
    expect(calls).toBe(1);
  });

  it('says the server cannot be reached, with the cause, after the last attempt', async () => {
    const url = await serve(() => undefined);
    const port = new URL(url).port;
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const error = await new RunnerClient(url, 'prt_x').hello(HELLO_REQUEST, QUICK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnavailableError);
    expect((error as Error).message).toBe(
      `cannot reach Polytene at ${url}/api/v1/runner/hello: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('gives up on a server that never answers with "timed out"', async () => {
    const url = await serve(() => undefined);
    const error = await new RunnerClient(url, 'prt_x', 200)
      .hello(HELLO_REQUEST, { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnavailableError);
    expect((error as Error).message).toMatch(/hello: timed out$/);
  });

  it('a long poll may take its wait plus the attempt limit', async () => {
    const url = await serve((_req, _body, res) => setTimeout(() => res.writeHead(204).end(), 400));
    await expect(new RunnerClient(url, 'prt_x', 200).requestJob(300)).resolves.toBeNull();
  });

  it('refuses an answer that does not match the protocol, naming the field', async () => {
    const url = await serve((_req, _body, res) => json(res, 200, { ...HELLO, runner_id: 'seven' }));
    const error = await new RunnerClient(url, 'prt_x').hello(HELLO_REQUEST, QUICK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toContain('/runner_id');
  });

  it('refuses an answer that is not JSON', async () => {
    const url = await serve((_req, _body, res) => res.writeHead(200).end('<html>proxy</html>'));
    const error = await new RunnerClient(url, 'prt_x').hello(HELLO_REQUEST, QUICK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toContain('not JSON: <html>proxy</html>');
  });

  it('stops reading a hostile endless answer instead of buffering it', async () => {
    const url = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
      res.on('close', () => res.removeAllListeners('drain'));
    });
    const error = await new RunnerClient(url, 'prt_x').hello(HELLO_REQUEST, QUICK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toContain('larger than');
  });

  it('sends each call with the method and path of its RUNNER_ROUTES entry', async () => {
    const seen: string[] = [];
    const url = await serve((req, _body, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url?.endsWith('/hello')) json(res, 200, HELLO);
      else if (req.url?.endsWith('/request')) res.writeHead(204).end();
      else json(res, 200, { status: 'running', last_n: 0 });
    });
    const client = new RunnerClient(url, 'prt_x');
    const job = { id: 12, token: 'pjt_x' };
    await client.hello(HELLO_REQUEST, QUICK);
    await client.requestJob(0);
    await client.sendLog(job, [], QUICK);
    await client.updateJob(job, { status: 'running' }, QUICK);
    const { hello, requestJob, sendLog, updateJob } = RUNNER_ROUTES;
    expect(seen).toEqual([
      `${hello.method} ${hello.path}`,
      `${requestJob.method} ${requestJob.path}`,
      `${sendLog.method} ${sendLog.path.replace(':id', '12')}`,
      `${updateJob.method} ${updateJob.path.replace(':id', '12')}`,
    ]);
  });

  it('refuses a success status its route does not answer with', async () => {
    const url = await serve((_req, _body, res) => json(res, 201, HELLO));
    const error = await new RunnerClient(url, 'prt_x').hello(HELLO_REQUEST, QUICK).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toBe('the server answered /hello with 201, which the protocol lacks');
  });

  it('a long poll answered 204 is "no job"', async () => {
    const url = await serve((_req, _body, res) => res.writeHead(204).end());
    await expect(new RunnerClient(url, 'prt_x').requestJob(10)).resolves.toBeNull();
  });

  it('an abort from the caller ends a waiting long poll at once', async () => {
    const url = await serve(() => undefined);
    const controller = new AbortController();
    const pending = new RunnerClient(url, 'prt_x').requestJob(60_000, controller.signal);
    setTimeout(() => controller.abort(new Error('stopping')), 50);
    await expect(pending).rejects.toThrow('stopping');
  });
});
