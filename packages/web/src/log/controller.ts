/**
 * Feeds one deployment's log into a LogBuffer: the live stream over Server-Sent Events while the
 * deployment runs, and, on demand, the windows of lines the view shows (scrolling, a jump to a line, a
 * search hit), read from the paging API a few at a time. Lines streamed live are applied once per
 * animation frame, so a flood of lines costs one render per frame.
 */
import type { StatusEvent } from '@polytene/protocol';
import { isFinalStatus } from '@polytene/protocol/states';
import { getLogPage, openDeploymentEvents } from '../api/endpoints';
import { LogBuffer, WINDOW, windowOf, type LogLineData } from './buffer';
import type { LineRange } from './sections';

/** The first screenful shown: the tail. */
export const TAIL_LINES = 200;
/** Windows read at the same time. */
const PARALLEL = 3;
/** Lines beyond the visible ones read ahead, so scrolling a little finds them loaded. */
const AHEAD = WINDOW / 2;

export interface LogControllerOptions {
  deploymentId: number;
  /** How many lines the deployment has now (its `last_log_n`). */
  lastN: number;
  /** Whether the deployment can still produce lines (queued or running). */
  live: boolean;
  onChange: () => void;
  onStatus: (data: StatusEvent) => void;
  onError: (error: unknown) => void;
  /** Windows held at most (tests). */
  maxWindows?: number;
}

export class LogController {
  readonly buffer: LogBuffer;
  private abort = new AbortController();
  private source: EventSource | null = null;
  private pending: LogLineData[] = [];
  private frame = 0;
  private stopped = false;
  private inFlight = new Set<number>();
  private wanted: number[] = [];
  private visible: { first: number; last: number; hidden: readonly LineRange[] } = {
    first: 1,
    last: 1,
    hidden: [],
  };

  constructor(private readonly options: LogControllerOptions) {
    this.buffer = new LogBuffer(options.maxWindows);
    this.buffer.announce(options.lastN);
    const last = Math.max(1, options.lastN);
    this.visible = { first: Math.max(1, last - TAIL_LINES), last, hidden: [] };
  }

  /** True while windows are being read. */
  get loading(): boolean {
    return this.inFlight.size > 0 || this.wanted.length > 0;
  }

  /** Starts (or, after stop(), restarts: React's StrictMode stops and starts effects once) the feed. */
  start(): void {
    if (this.stopped || this.abort.signal.aborted) {
      this.abort = new AbortController();
      this.stopped = false;
      this.inFlight.clear();
    }
    if (this.options.live) this.connect();
    this.show(this.visible.first, this.visible.last, this.visible.hidden);
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.source?.close();
    this.source = null;
    if (this.frame) cancelAnimationFrame(this.frame);
  }

  /**
   * The view shows lines `first`..`last` but the `hidden` ones (collapsed sections): keep their windows,
   * read the missing ones (and a little around), never those only hidden lines fill, and let the far
   * ones go.
   */
  show(first: number, last: number, hidden: readonly LineRange[] = []): void {
    this.visible = { first, last, hidden };
    this.buffer.show(first, last, hidden);
    const around = this.buffer.missing(Math.max(1, first - AHEAD), last + AHEAD, hidden);
    const inView = new Set(this.buffer.missing(first, last, hidden));
    // The visible windows first, then those around them.
    this.wanted = [...around.filter((w) => inView.has(w)), ...around.filter((w) => !inView.has(w))];
    this.pump();
  }

  /** The deployment ended: read again the windows the stream filled, then stop listening. */
  async finish(lastN: number): Promise<void> {
    this.source?.close();
    this.source = null;
    this.buffer.announce(lastN);
    this.flush();
    this.buffer.unfetchFrom(windowOf(Math.max(1, this.options.lastN)));
    const { last, hidden } = this.visible;
    this.show(this.visible.first, last >= this.options.lastN ? Math.max(last, lastN) : last, hidden);
    await this.idle();
  }

  /** Resolves once no window is being read (tests, finish). */
  async idle(): Promise<void> {
    while (this.loading && !this.stopped) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private pump(): void {
    while (!this.stopped && this.inFlight.size < PARALLEL && this.wanted.length) {
      const w = this.wanted.shift()!;
      if (this.inFlight.has(w)) continue;
      this.inFlight.add(w);
      void this.read(w);
    }
  }

  private async read(w: number): Promise<void> {
    const signal = this.abort.signal;
    try {
      const page = await getLogPage(this.options.deploymentId, w * WINDOW, WINDOW, signal);
      if (signal.aborted) return;
      this.flush();
      this.buffer.announce(page.last_n);
      this.buffer.addWindow(w, page.lines);
      this.buffer.show(this.visible.first, this.visible.last, this.visible.hidden);
      this.options.onChange();
    } catch (error) {
      if (!signal.aborted) this.options.onError(error);
    } finally {
      if (!signal.aborted) {
        this.inFlight.delete(w);
        this.pump();
      }
    }
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
    this.buffer.show(this.visible.first, this.visible.last, this.visible.hidden);
    this.options.onChange();
  }
}
