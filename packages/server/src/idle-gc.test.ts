import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startIdleCollector } from './idle-gc.js';

describe('the idle collector', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function run(windows: number[]) {
    let cpu = 0;
    const collect = vi.fn();
    const stop = startIdleCollector({
      intervalMs: 1000,
      idleCpuMs: 100,
      busyCpuMs: 2000,
      cpuMs: () => cpu,
      collect,
    });
    for (const used of windows) {
      cpu += used;
      vi.advanceTimersByTime(1000);
    }
    stop();
    return collect.mock.calls.length;
  }

  it('collects once when the server falls idle after a busy spell', () => {
    expect(run([900, 900, 900, 10, 10, 10])).toBe(1);
  });

  it('does not collect while busy, nor when idle without a busy spell before', () => {
    expect(run([900, 900, 900, 900])).toBe(0);
    expect(run([10, 10, 10, 500, 10, 10])).toBe(0);
  });

  it('collects again after the next busy spell', () => {
    expect(run([1500, 1500, 10, 10, 1500, 1500, 10])).toBe(2);
  });

  it('gets a real full collection when none is given', () => {
    const stop = startIdleCollector();
    stop();
  });
});
