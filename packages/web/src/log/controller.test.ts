import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogController } from './controller';

/** A stand-in EventSource that the test feeds by hand. */
class FakeEventSource {
  static last: FakeEventSource | null = null;
  private readonly listeners = new Map<string, (event: { data: string }) => void>();
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, listener: (event: { data: string }) => void): void {
    this.listeners.set(type, listener);
  }
  close(): void {
    this.closed = true;
  }
  emit(type: string, data: unknown): void {
    this.listeners.get(type)?.({ data: JSON.stringify(data) });
  }
}

function line(n: number) {
  return { n, stream: 'stdout' as const, t: new Date(0).toISOString(), text: `line ${n}` };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('LogController', () => {
  it('keeps working after a stop and a second start, as React StrictMode does with effects', async () => {
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('requestAnimationFrame', (callback: () => void) => setTimeout(callback, 0));
    vi.stubGlobal('cancelAnimationFrame', (id: number) => clearTimeout(id));
    const fetchMock = vi.fn((_url: string, init: { signal: AbortSignal }) =>
      init.signal.aborted
        ? Promise.reject(new Error('aborted'))
        : Promise.resolve(new Response(JSON.stringify({ lines: [line(1)] }))),
    );
    vi.stubGlobal('fetch', fetchMock);
    const errors: unknown[] = [];
    const controller = new LogController({
      deploymentId: 7,
      lastN: 1,
      live: true,
      onChange: () => undefined,
      onStatus: () => undefined,
      onError: (error) => errors.push(error),
    });
    controller.start();
    controller.stop();
    controller.start();
    await vi.waitFor(() => expect(controller.buffer.has(1)).toBe(true));
    FakeEventSource.last?.emit('log', { lines: [line(2), line(3)] });
    await vi.waitFor(() => expect(controller.buffer.loaded).toBe(3));
    expect(errors).toEqual([]);
    controller.stop();
  });

  it('reads only the windows shown (and a little around), and lets far ones go', async () => {
    vi.stubGlobal('requestAnimationFrame', (callback: () => void) => setTimeout(callback, 0));
    vi.stubGlobal('cancelAnimationFrame', (id: number) => clearTimeout(id));
    const LAST = 100_000;
    const asked: string[] = [];
    vi.stubGlobal('fetch', (url: string) => {
      const params = new URL(url, 'http://x').searchParams;
      const after = Number(params.get('after'));
      const limit = Number(params.get('limit'));
      asked.push(`${after}+${limit}`);
      const lines = [];
      for (let n = after + 1; n <= Math.min(LAST, after + limit); n++) lines.push(line(n));
      return Promise.resolve(new Response(JSON.stringify({ lines, last_n: LAST })));
    });
    const controller = new LogController({
      deploymentId: 7,
      lastN: LAST,
      live: false,
      onChange: () => undefined,
      onStatus: () => undefined,
      onError: (error) => {
        throw error;
      },
      maxWindows: 4,
    });
    controller.start();
    await controller.idle();
    expect(asked).toEqual(['99000+1000']);
    expect(controller.buffer.has(LAST)).toBe(true);
    expect(controller.buffer.has(98_000)).toBe(false);
    controller.show(50_001, 50_060);
    await controller.idle();
    expect(asked.slice(1).sort()).toEqual(['49000+1000', '50000+1000']);
    expect(controller.buffer.line(50_030)?.text).toBe('line 50030');
    for (const first of [10_001, 20_001, 30_001]) {
      controller.show(first, first + 60);
      await controller.idle();
    }
    expect(controller.buffer.windowCount).toBeLessThanOrEqual(4);
    expect(controller.buffer.has(30_030)).toBe(true);
    expect(controller.buffer.has(LAST)).toBe(false);
    controller.stop();
  });
});
