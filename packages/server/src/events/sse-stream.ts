import type { ServerResponse } from 'node:http';

/**
 * What every server-sent event stream does with its response: the head (no caching, no proxy
 * buffering, reconnect after 2 s), a comment line every `heartbeatMs` so proxies keep a quiet stream
 * open, and its clean-ups run once when the client goes or the stream ends.
 */
export abstract class SseStream {
  protected closed = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    protected readonly raw: ServerResponse,
    private readonly heartbeatMs: number,
  ) {}

  /** Runs `cleanup` when the stream closes. */
  protected onClosed(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Sends the head and starts the heartbeat (after `reply.hijack()`). */
  protected begin(): void {
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.raw.write('retry: 2000\n\n');
    const heartbeat = setInterval(() => this.raw.write(': heartbeat\n\n'), this.heartbeatMs);
    this.onClosed(() => clearInterval(heartbeat));
    this.raw.once('close', () => this.close());
  }

  end(): void {
    if (!this.raw.writableEnded) this.raw.end();
    this.close();
  }

  protected close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
