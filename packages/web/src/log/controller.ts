/**
 * Feeds one deployment's log into a LogBuffer: the live stream over Server-Sent Events, the newest page of
 * history first (so the tail is on screen at once), then the older pages in the background. Incoming lines
 * are applied once per animation frame, so a flood of lines costs one render per frame.
 */
import type { StatusEvent } from '@polytene/protocol';
import { isFinalStatus } from '@polytene/protocol/states';
import { getLogPage, openDeploymentEvents } from '../api/endpoints';
import { LogBuffer, type LogLineData } from './buffer';

export const HISTORY_PAGE = 10_000;
/** The first request asks only for a screenful and a bit, so the tail shows at once. */
export const TAIL_PAGE = 500;
const PARALLEL_PAGES = 3;

export interface LogControllerOptions {
  deploymentId: number;
  /** How many lines the deployment has now (its `last_log_n`). */
  lastN: number;
  /** Whether the deployment can still produce lines (queued or running). */
  live: boolean;
  onChange: () => void;
  onStatus: (data: StatusEvent) => void;
  onError: (error: unknown) => void;
}

async function fetchPage(
  deploymentId: number,
  after: number,
  signal: AbortSignal,
  limit = HISTORY_PAGE,
): Promise<LogLineData[]> {
  return (await getLogPage(deploymentId, after, limit, signal)).lines;
}

export class LogController {
  readonly buffer = new LogBuffer();
  private abort = new AbortController();
  private source: EventSource | null = null;
  private pending: LogLineData[] = [];
  private frame = 0;
  private stopped = false;
  /** True once every line up to the last known one has been loaded. */
  historyComplete = false;

  constructor(private readonly options: LogControllerOptions) {}

  /** Starts (or, after stop(), restarts: React's StrictMode stops and starts effects once) the feed. */
  start(): void {
    if (this.stopped || this.abort.signal.aborted) {
      this.abort = new AbortController();
      this.stopped = false;
    }
    this.buffer.announce(this.options.lastN);
    if (this.options.live) this.connect();
    void this.loadHistory().catch((error: unknown) => {
      if (!this.abort.signal.aborted) this.options.onError(error);
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.source?.close();
    this.source = null;
    if (this.frame) cancelAnimationFrame(this.frame);
  }

  /** The deployment ended: read whatever the stream may not have delivered, then stop listening. */
  async finish(lastN: number): Promise<void> {
    this.source?.close();
    this.source = null;
    this.buffer.announce(lastN);
    this.flush();
    let top = this.buffer.size;
    while (top > 0 && !this.buffer.has(top)) top--;
    await this.readForward(top);
    if (this.historyComplete) await this.fillHoles();
  }

  private connect(): void {
    const after = this.options.lastN;
    const source = openDeploymentEvents(this.options.deploymentId, after, {
      log: (data) => this.enqueue(data.lines),
      status: (data) => {
        // The server ends the stream after a final status; without this the browser would reconnect.
        if (data.status !== 'canceling' && isFinalStatus(data.status)) source.close();
        this.options.onStatus(data);
      },
    });
    this.source = source;
  }

  private enqueue(lines: LogLineData[]): void {
    for (const line of lines) this.pending.push(line);
    if (!this.frame && !this.stopped) this.frame = requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = 0;
    if (!this.pending.length) return;
    const lines = this.pending;
    this.pending = [];
    this.buffer.add(lines);
    this.options.onChange();
  }

  /** Newest page first, then everything older, several pages at a time. */
  private async loadHistory(): Promise<void> {
    const signal = this.abort.signal;
    const last = this.options.lastN;
    const tailStart = Math.max(0, last - TAIL_PAGE);
    await this.readForward(tailStart, TAIL_PAGE);
    const starts: number[] = [];
    for (let after = 0; after < tailStart; after += HISTORY_PAGE) starts.push(after);
    // Older pages, nearest to the tail first, so scrolling up finds lines soonest.
    starts.reverse();
    const worker = async () => {
      for (let next = starts.shift(); next !== undefined && !signal.aborted; next = starts.shift()) {
        const lines = await fetchPage(this.options.deploymentId, next, signal);
        this.enqueue(lines.filter((l) => l.n <= Math.min(next + HISTORY_PAGE, tailStart)));
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_PAGES }, worker));
    this.historyComplete = true;
    this.options.onChange();
  }

  /** Reads pages after `after` until a short page says there is no more. */
  private async readForward(after: number, firstLimit = HISTORY_PAGE): Promise<void> {
    let cursor = after;
    let limit = firstLimit;
    for (;;) {
      const lines = await fetchPage(this.options.deploymentId, cursor, this.abort.signal, limit);
      this.enqueue(lines);
      const lastLine = lines[lines.length - 1];
      if (!lastLine || lines.length < limit) return;
      cursor = lastLine.n;
      limit = HISTORY_PAGE;
    }
  }

  private async fillHoles(): Promise<void> {
    this.flush();
    for (let hole = this.buffer.firstHole(); hole !== null;) {
      const before = this.buffer.loaded;
      await this.readForward(hole - 1);
      this.flush();
      if (this.buffer.loaded === before) return;
      hole = this.buffer.firstHole(hole);
    }
  }
}
