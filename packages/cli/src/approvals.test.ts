import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve } from './approvals.js';
import { program } from './cli.js';
import { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import type { Output } from './output.js';
import { localServer } from './test-support/http.js';

const received: { path: string; body: unknown }[] = [];
let server: Awaited<ReturnType<typeof localServer>>;
beforeAll(async () => {
  server = await localServer((req, res, url) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as { decision: string; comment?: string };
      received.push({ path: url.pathname, body });
      if (url.pathname === '/api/v1/deployments/9/approvals') {
        res.writeHead(403, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ error: { code: 'FORBIDDEN', message: 'you cannot approve your own deployment' } }),
        );
      }
      const reject = body.decision === 'reject';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 5,
          status: reject ? 'canceled' : 'awaiting_approval',
          required_approvals: 2,
          approvals: [
            { user: { id: 2, login: 'carol' }, decision: body.decision, comment: body.comment ?? null },
          ],
        }),
      );
    });
  });
});
afterAll(() => server.close());

function capture(json = false): Output & { lines: string[] } {
  const lines: string[] = [];
  return { json, lines, line: (text) => lines.push(text), note: () => undefined };
}

describe('polytene approve', () => {
  it('approves and says how many approvals it has and what it is now', async () => {
    const out = capture();
    const code = await approve(new ApiClient(server.url, 'pt_x'), out, '5', {});
    expect(code).toBe(EXIT.ok);
    expect(received.at(-1)).toEqual({
      path: '/api/v1/deployments/5/approvals',
      body: { decision: 'approve' },
    });
    expect(out.lines).toEqual(['deployment 5 approved (1 of 2 approvals): still awaiting approval']);
  });

  it('rejects with a comment, and prints the JSON view with --json', async () => {
    const out = capture(true);
    await approve(new ApiClient(server.url, 'pt_x'), out, '5', { reject: true, message: ' not now ' });
    expect(received.at(-1)?.body).toEqual({ decision: 'reject', comment: 'not now' });
    expect(JSON.parse(out.lines.join('\n'))).toMatchObject({ status: 'canceled' });
  });

  it("exits as the server's refusal says (403: 3) and refuses an id that is no number (2)", async () => {
    const refused = await approve(new ApiClient(server.url, 'pt_x'), capture(), '9', {}).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(CliError);
    expect(refused).toMatchObject({
      code: EXIT.auth,
      message: 'not allowed: you cannot approve your own deployment',
    });
    const bad = await approve(new ApiClient(server.url, 'pt_x'), capture(), 'abc', {}).catch(
      (e: unknown) => e,
    );
    expect(bad).toMatchObject({ code: EXIT.usage });
  });

  it('is a command with --reject and -m', () => {
    const cmd = program(() => undefined).commands.find((c) => c.name() === 'approve');
    expect(cmd?.options.map((o) => o.long)).toEqual(['--reject', '--message']);
  });
});
