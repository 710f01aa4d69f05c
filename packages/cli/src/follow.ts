import type { DeploymentStatus, LogLine } from '@polytene/protocol';
import { reasonOf, type ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';

export const FINAL_STATUSES: readonly string[] = ['succeeded', 'failed', 'canceled', 'skipped'];

export interface FollowOptions {
  /** Called with every line once, in order, never a line twice. */
  onLines(lines: LogLine[]): void;
  /** Line number already seen; lines after it are sent. */
  after?: number;
  /** How long to keep trying to reconnect before giving up (exit 5). */
  giveUpMs?: number;
  /** No byte (not even the server's 15 s heartbeat) for this long counts as a dropped connection. */
  idleMs?: number;
  /** Told once per dropped connection, before reconnecting. */
  onDrop?(reason: string): void;
}

interface SseFrame {
  event: string;
  data: string;
}

/**
 * Follows a deployment's live events (`GET /api/v1/deployments/:id/events`) until its final status
 * and answers that status. A dropped connection (server restart, proxy, network) reconnects with
 * `after` = the last line number printed, so no line is lost or printed twice.
 */
export async function followLog(client: ApiClient, id: number, options: FollowOptions): Promise<string> {
  const giveUpMs = options.giveUpMs ?? 120_000;
  const idleMs = options.idleMs ?? 45_000;
  let cursor = options.after ?? 0;
  let lastContact = Date.now();
  let retryMs = 250;
  for (;;) {
    const abort = new AbortController();
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
    };
    let dropped: string;
    try {
      touch();
      const res = await client.stream(`/api/v1/deployments/${id}/events`, { after: cursor }, abort.signal);
      lastContact = Date.now();
      retryMs = 250;
      for await (const frame of frames(res.body!, touch)) {
        if (frame.event === 'log') {
          const { lines } = JSON.parse(frame.data) as { lines: LogLine[] };
          const fresh = lines.filter((line) => line.n > cursor);
          if (fresh.length > 0) {
            options.onLines(fresh);
            cursor = fresh[fresh.length - 1]!.n;
          }
        } else if (frame.event === 'status') {
          const { status } = JSON.parse(frame.data) as { status: DeploymentStatus };
          if (FINAL_STATUSES.includes(status)) return status;
        }
      }
      dropped = 'the server closed the stream';
    } catch (error) {
      // A dropped or refused connection, or a 5xx of a proxy in front of a restarting server: retry.
      const retry =
        !(error instanceof CliError) || error.code === EXIT.unreachable || error.code === EXIT.server;
      if (!retry) throw error;
      dropped = abort.signal.aborted ? reasonOf(abort.signal.reason) : reasonOf(error);
      if (error instanceof CliError) dropped = error.message;
    } finally {
      clearTimeout(idle);
      abort.abort();
    }
    if (Date.now() - lastContact > giveUpMs) {
      throw new CliError(EXIT.unreachable, `lost the connection to ${client.url}: ${dropped}`);
    }
    options.onDrop?.(dropped);
    await new Promise((resolve) => setTimeout(resolve, retryMs));
    retryMs = Math.min(retryMs * 2, 5_000);
  }
}

/** The Server-Sent Events frames of a body; `onData` is called on every chunk (heartbeats too). */
export async function* frames(
  body: ReadableStream<Uint8Array>,
  onData: () => void,
): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    onData();
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = parseFrame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (frame) yield frame;
    }
  }
}

function parseFrame(text: string): SseFrame | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? null : { event, data: data.join('\n') };
}
