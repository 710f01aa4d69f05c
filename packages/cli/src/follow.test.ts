import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine } from '@polytene/protocol';
import { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import { followLog } from './follow.js';
import { localServer, logEvent, startStream, statusEvent } from './test-support/http.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function follow(url: string, options: { giveUpMs?: number; idleMs?: number } = {}) {
  const seen: number[] = [];
  const drops: string[] = [];
  const final = await followLog(new ApiClient(url, 'pt_test'), 7, {
    onLines: (lines: LogLine[]) => seen.push(...lines.map((l) => l.n)),
    onDrop: (why) => drops.push(why),
    ...options,
  });
  return { final, seen, drops };
}

describe('followLog', () => {
  it('resumes after a dropped stream from the last line, printing no line twice', async () => {
    const afters: string[] = [];
    const local = await localServer((req, res, url) => {
      expect(url.pathname).toBe('/api/v1/deployments/7/events');
      expect(req.headers.authorization).toBe('Bearer pt_test');
      afters.push(url.searchParams.get('after') ?? '');
      startStream(res);
      if (afters.length === 1) {
        res.write(logEvent(1, 3));
        // Half of the next frame, then the connection dies.
        res.write('id: 4\nevent: log\ndata: {"lines":[{"n":4,');
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        // The server resends from `after`; an overlap must not print twice either.
        res.end(logEvent(2, 6) + statusEvent('running') + statusEvent('failed'));
      }
    });
    close = local.close;
    const { final, seen, drops } = await follow(local.url);
    expect(final).toBe('failed');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(afters).toEqual(['0', '3']);
    expect(drops).toHaveLength(1);
  });

  it('reconnects when a stream ends without a final status, and when it goes quiet', async () => {
    let connections = 0;
    const local = await localServer((_req, res) => {
      connections++;
      startStream(res);
      if (connections === 1) res.end(logEvent(1, 1));
      else if (connections === 2)
        res.write(logEvent(2, 2)); // then silence: no heartbeat
      else res.end(logEvent(3, 3) + statusEvent('succeeded'));
    });
    close = local.close;
    const { final, seen, drops } = await follow(local.url, { idleMs: 300 });
    expect(final).toBe('succeeded');
    expect(seen).toEqual([1, 2, 3]);
    expect(drops).toEqual(['the server closed the stream', 'no data for 0.3 s']);
  });

  it('stops at once on a 404 (exit 4) and gives up on a server that stays away (exit 5)', async () => {
    const local = await localServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'deployment not found' } }));
    });
    await expect(follow(local.url)).rejects.toMatchObject({
      code: EXIT.notFound,
      message: 'deployment not found',
    });
    await local.close();
    const gone = await follow(local.url, { giveUpMs: 300 }).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(CliError);
    expect(gone).toMatchObject({ code: EXIT.unreachable });
    expect((gone as Error).message).toMatch(
      /^lost the connection to http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
  });
});
