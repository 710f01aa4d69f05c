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
});
