import {
  isFinalStatus,
  type DeploymentStatus,
  type JobControlStatus,
  type LogBatchResponse,
  type LogLine,
  type LogStream,
} from '@polytene/protocol';
import { ServerRefusedError, sleep } from './client.js';
import { LogSpool, WRITE_CHUNK_BYTES, lineCost } from './log-spool.js';
import { Masker } from './masking.js';

export interface LogShipperOptions {
  /** Sends one batch; resolves with the server's answer, rejects when it failed. */
  send: (lines: LogLine[]) => Promise<LogBatchResponse>;
  /** Longest wait between a line being read and its batch being sent. */
  flushMs: number;
  maxBatchLines: number;
  /** Largest request body; a batch is cut before it could pass this. */
  maxBatchBytes: number;
  maxLineChars: number;
  /** Total log size kept (UTF-8 bytes of line text); output beyond it is dropped after one notice line. */
  limitBytes: number;
  secrets: readonly string[];
  /** The server's view of the job after each batch: `canceling` or a final status ask the runner to stop. */
  onStatus: (status: JobControlStatus) => void;
  /** Called when the server refused a batch (4xx): the job is not this runner's any more. */
  onRefused: (error: ServerRefusedError) => void;
  /** First delay before a failed batch is sent again (doubling up to 5 s). */
  retryInitialMs?: number;
  /**
   * Memory for lines not confirmed yet (their lineCost), the batch in flight included. Lines beyond it go
   * to the spool file; without one, or when it cannot be written, onPressure(true) is called above it.
   */
  memoryLimitBytes?: number;
  /** The append-only file for lines beyond memoryLimitBytes (removed once all its lines are confirmed). */
  spoolFile?: string;
}

export const DEFAULT_LOG_MEMORY_BYTES = 4 * 1024 * 1024;

const MIN_SEND_INTERVAL_MS = 100;
const RETRY_INITIAL_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * Numbers, timestamps, masks and batches log lines and ships them in order, one request at a time.
 * A failed batch is retried with backoff; lines leave the queue only when the server confirmed them
 * (`last_n`), so after an outage shipping resumes right after the last stored line: nothing lost, nothing
 * sent twice into the log.
 */
export class LogShipper {
  private masker: Masker;
  private readonly pending: LogLine[] = [];
  private pendingCost = 0;
  private readonly spool: LogSpool | null;
  /** The number of the last line put in the spool; the file goes once the server confirmed it. */
  private spoolLastN = 0;
  private spooled = 0;
  private peakBuffered = 0;
  private readonly memoryLimit: number;
  /** The part of memoryLimit for the queue in memory (the rest is the spool's write buffer). */
  private readonly queueLimit: number;
  private nextN = 1;
  private bytesKept = 0;
  private truncated = false;
  private refused: ServerRefusedError | null = null;
  private sending: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastSendAt = 0;
  private pressure = false;
  private stampMs = -1;
  private stamp = '';
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly stopSignal = new AbortController();
  /** Told true when too many lines wait to be sent (the reader should pause), false when it may go on. */
  onPressure: ((high: boolean) => void) | null = null;

  constructor(private readonly options: LogShipperOptions) {
    this.masker = new Masker(options.secrets);
    this.memoryLimit = options.memoryLimitBytes ?? DEFAULT_LOG_MEMORY_BYTES;
    const writeChunk = Math.min(WRITE_CHUNK_BYTES, Math.floor(this.memoryLimit / 8));
    this.spool = options.spoolFile ? new LogSpool(options.spoolFile, writeChunk) : null;
    this.queueLimit = this.spool ? this.memoryLimit - writeChunk : this.memoryLimit;
  }

  /** Memory held for lines not confirmed yet: the queue, the spool's write buffer (the gauge of the cap). */
  get bufferedBytes(): number {
    return this.pendingCost + (this.spool?.bufferedBytes ?? 0);
  }

  /** The highest bufferedBytes seen. */
  get peakBufferedBytes(): number {
    return this.peakBuffered;
  }

  /** Lines that went through the spool file so far. */
  get spooledLines(): number {
    return this.spooled;
  }

  /** The masker built from the job's secrets, for readers that mask before the shipper sees a line. */
  get secretMasker(): Masker {
    return this.masker;
  }

  /** Masks from now on with `masker` (one that knows more forms of the same secrets, see Masker.forScript). */
  useMasker(masker: Masker): void {
    this.masker = masker;
  }

  /** The number of the last line handed to the shipper. */
  get lastLineNumber(): number {
    return this.nextN - 1;
  }

  /** A line of the script's output; `alreadyMasked` when the reader masked it (see executor). */
  add(stream: LogStream, text: string, alreadyMasked = false): void {
    if (this.refused || this.truncated) return;
    const masked = alreadyMasked ? text : this.masker.mask(text);
    const bytes = Buffer.byteLength(masked);
    if (this.bytesKept + bytes > this.options.limitBytes) {
      this.truncated = true;
      this.push(
        'system',
        `Log truncated: the output passed the limit of ${formatBytes(this.options.limitBytes)}; the rest is not kept.`,
      );
      return;
    }
    this.bytesKept += bytes;
    const max = this.options.maxLineChars;
    if (masked.length <= max) {
      this.push(stream, masked);
      return;
    }
    for (let start = 0; start < masked.length; start += max)
      this.push(stream, masked.slice(start, start + max));
  }

  /** A line from the runner itself (not from the script). */
  system(text: string): void {
    if (this.refused) return;
    const masked = this.masker.mask(text);
    const max = this.options.maxLineChars;
    for (let start = 0; start < Math.max(masked.length, 1); start += max) {
      this.push('system', masked.slice(start, start + max));
    }
  }

  /** Sends everything still queued; resolves when the server has confirmed every line (or refused them). */
  async close(): Promise<void> {
    this.closed = true;
    this.kick();
    while (this.hasUnsent() && !this.refused && !this.stopSignal.signal.aborted) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    this.spool?.remove();
  }

  /** Gives up on the lines not sent yet (used when the job was taken away or the runner must stop now). */
  abandon(): void {
    this.stopSignal.abort(new Error('log shipping abandoned'));
    this.pending.length = 0;
    this.pendingCost = 0;
    this.spool?.remove();
    this.wakeIdle();
  }

  get isTruncated(): boolean {
    return this.truncated;
  }

  private push(stream: LogStream, text: string): void {
    if (this.stopSignal.signal.aborted) return; // abandoned: nothing more is sent (nor spooled)
    const line: LogLine = { n: this.nextN++, stream, t: this.timestamp(), text };
    const cost = lineCost(line);
    // Once a line went to the spool, the next ones follow it there until it is read back: order is kept.
    const spill =
      this.spool !== null &&
      (this.spool.hasUnread || (this.pending.length > 0 && this.pendingCost + cost > this.queueLimit));
    if (spill) {
      this.spool?.append(line);
      this.spoolLastN = line.n;
      this.spooled++;
    } else {
      this.pending.push(line);
      this.pendingCost += cost;
    }
    this.peakBuffered = Math.max(this.peakBuffered, this.bufferedBytes);
    this.updatePressure();
    this.kick();
  }

  private hasUnsent(): boolean {
    return this.pending.length > 0 || (this.spool?.hasUnread ?? false);
  }

  /** Moves spooled lines back into memory while at least half the queue's room is free. */
  private refill(): void {
    const spool = this.spool;
    if (!spool) return;
    while (spool.hasUnread && this.pendingCost <= this.queueLimit / 2) {
      for (const line of spool.read(this.queueLimit - this.pendingCost)) {
        this.pending.push(line);
        this.pendingCost += lineCost(line);
      }
    }
    this.peakBuffered = Math.max(this.peakBuffered, this.bufferedBytes);
  }

  /** Now as ISO 8601; formatted once per millisecond (formatting for each of many lines cost the most). */
  private timestamp(): string {
    const now = Date.now();
    if (now !== this.stampMs) {
      this.stampMs = now;
      this.stamp = new Date(now).toISOString();
    }
    return this.stamp;
  }

  private kick(): void {
    if (this.sending || this.refused) return;
    if (this.pending.length === 0) this.refill();
    if (this.pending.length === 0) return;
    const full = this.pending.length >= this.options.maxBatchLines;
    const wait = full || this.closed ? 0 : this.lastSendAt + this.interval() - Date.now();
    if (wait <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.sending = this.sendLoop().finally(() => {
        this.sending = null;
        this.kick();
        this.wakeIdle();
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.kick();
      }, wait);
    }
  }

  private interval(): number {
    return Math.min(MIN_SEND_INTERVAL_MS, this.options.flushMs);
  }

  /** Sends one batch, retrying it until the server confirms it, refuses it, or shipping is abandoned. */
  private async sendLoop(): Promise<void> {
    let delay = this.options.retryInitialMs ?? RETRY_INITIAL_MS;
    while (this.hasUnsent() && !this.stopSignal.signal.aborted) {
      this.refill();
      if (this.pending.length === 0) return;
      this.lastSendAt = Date.now();
      const batch = this.nextBatch();
      try {
        const answer = await this.options.send(batch);
        this.confirm(answer.last_n, batch);
        this.options.onStatus(answer.status);
        return;
      } catch (error) {
        if (error instanceof ServerRefusedError) {
          this.refused = error;
          this.abandon();
          this.options.onRefused(error);
          return;
        }
        await sleep(delay, this.stopSignal.signal).catch(() => undefined);
        delay = Math.min(RETRY_MAX_MS, delay * 2);
      }
    }
  }

  /** The first pending lines, as many as fit in one request (sizes estimated high: every char escaped). */
  private nextBatch(): LogLine[] {
    const budget = this.options.maxBatchBytes - 1024;
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length && count < this.options.maxBatchLines) {
      bytes += (this.pending[count]?.text.length ?? 0) * 6 + 100;
      if (bytes > budget && count > 0) break;
      count++;
    }
    return this.pending.slice(0, count);
  }

  /** Drops the lines the server has stored. */
  private confirm(lastN: number, batch: LogLine[]): void {
    const sentThrough = batch[batch.length - 1]?.n ?? 0;
    const through = Math.min(lastN, sentThrough);
    let count = 0;
    while (count < this.pending.length && (this.pending[count]?.n ?? Infinity) <= through) {
      this.pendingCost -= lineCost(this.pending[count] as LogLine);
      count++;
    }
    this.pending.splice(0, count);
    if (this.spool && this.spoolLastN > 0 && through >= this.spoolLastN && !this.spool.hasUnread) {
      this.spool.remove();
      this.spoolLastN = 0;
    }
    this.refill();
    this.updatePressure();
  }

  private updatePressure(): void {
    // With a working spool memory stays under its cap by itself; reading is held only without one.
    const spoolWorks = this.spool !== null && this.spool.failure === null;
    const level = spoolWorks ? 0 : this.bufferedBytes;
    const high = this.memoryLimit;
    const now = this.pressure ? level > high / 2 : level > high;
    if (now !== this.pressure) {
      this.pressure = now;
      this.onPressure?.(now);
    }
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

export function isTakenAway(status: JobControlStatus): boolean {
  return status !== 'canceling' && isFinalStatus(status as DeploymentStatus);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
