/** One Server-Sent Event as received. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** A minimal Server-Sent Events client over fetch, for tests: read events one by one, see comments. */
export class SseReader {
  readonly comments: string[] = [];
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private ended = false;
  private pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> | null = null;

  private constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const abort = new AbortController();
    const res = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    if (res.status !== 200 || !res.body)
      throw new Error(`SSE ${url} answered ${res.status}: ${await res.text()}`);
    return new SseReader(res.body.getReader(), abort);
  }

  /** The next event, or null when the server ended the stream. */
  async next(timeoutMs = 10_000): Promise<SseEvent | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frameEnd = this.buffer.indexOf('\n\n');
      if (frameEnd >= 0) {
        const frame = this.buffer.slice(0, frameEnd);
        this.buffer = this.buffer.slice(frameEnd + 2);
        const event = this.parse(frame);
        if (event) return event;
        continue;
      }
      if (this.ended) return null;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('no server-sent event in time');
      let timer: NodeJS.Timeout | undefined;
      this.pending ??= this.reader.read();
      const chunk = await Promise.race([
        this.pending,
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remaining))),
      ]);
      clearTimeout(timer);
      if (chunk === 'timeout') throw new Error('no server-sent event in time');
      this.pending = null;
      if (chunk.done) this.ended = true;
      else this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  /** Every event until the server ends the stream. */
  async rest(timeoutMs = 30_000): Promise<SseEvent[]> {
    const events: SseEvent[] = [];
    for (let event = await this.next(timeoutMs); event; event = await this.next(timeoutMs))
      events.push(event);
    return events;
  }

  close(): void {
    this.abort.abort();
  }

  private parse(frame: string): SseEvent | null {
    const event: SseEvent = { event: 'message', data: '' };
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') event.id = value;
    }
    if (data.length === 0) return null;
    event.data = data.join('\n');
    return event;
  }
}
