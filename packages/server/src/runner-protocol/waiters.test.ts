import { afterEach, describe, expect, it, vi } from 'vitest';
import { WaiterQueue, type Waiter } from './waiters.js';

const shared = (id: number) => ({ id, shared: true });
const own = (id: number) => ({ id, shared: false });

/** Registers runners and puts each to wait (as after a first claim that found nothing). */
function waiting(queue: WaiterQueue, runners: { id: number; shared: boolean }[], ms = 10_000) {
  return runners.map((runner) => {
    const waiter = queue.add(runner);
    const state = { waiter, woken: null as boolean | null };
    void waiter.next(ms).then((woken) => (state.woken = woken));
    return state;
  });
}

const settle = () => new Promise((r) => setImmediate(r));

afterEach(() => {
  vi.useRealTimers();
});

describe('the queue of waiting long polls', () => {
  it('wakes only the first of many waiters for one job, and the next one for the next job', async () => {
    const queue = new WaiterQueue();
    const all = waiting(queue, [1, 2, 3, 4, 5].map(shared));
    expect(queue.wake([{ runnerId: null, count: 1 }])).toBe(1);
    await settle();
    expect(all.map((w) => w.woken)).toEqual([true, null, null, null, null]);

    // The first is claiming now; a second job wakes the next in line, not it again.
    expect(queue.wake([{ runnerId: null, count: 2 }])).toBe(1);
    await settle();
    expect(all.map((w) => w.woken)).toEqual([true, true, null, null, null]);
  });

  it('wakes as many as there are jobs, never more than wait', async () => {
    const queue = new WaiterQueue();
    const all = waiting(queue, [1, 2, 3].map(shared));
    expect(queue.wake([{ runnerId: null, count: 10 }])).toBe(3);
    await settle();
    expect(all.every((w) => w.woken)).toBe(true);
  });

  it('passes over waiters that may not take the job: a linked job wakes its runner behind 20 shared ones', async () => {
    const queue = new WaiterQueue();
    const ahead = waiting(
      queue,
      Array.from({ length: 20 }, (_, i) => shared(i + 1)),
    );
    const [linked] = waiting(queue, [own(99)]);
    expect(queue.wake([{ runnerId: 99, count: 1 }])).toBe(1);
    await settle();
    expect(linked!.woken).toBe(true);
    expect(ahead.some((w) => w.woken !== null)).toBe(false);

    // A job of a project with no runner of its own is not for a runner that is not shared.
    const queue2 = new WaiterQueue();
    const [notShared, isShared] = waiting(queue2, [own(1), shared(2)]);
    queue2.wake([{ runnerId: null, count: 1 }]);
    await settle();
    expect([notShared!.woken, isShared!.woken]).toEqual([null, true]);
  });

  it('puts a woken waiter that goes back to waiting behind the others (the longest waiting is next)', async () => {
    const queue = new WaiterQueue();
    const [first, second] = waiting(queue, [shared(1), shared(2)]);
    queue.wake([{ runnerId: null, count: 1 }]);
    await settle();
    void first!.waiter.next(10_000).then((woken) => (first!.woken = woken));
    first!.woken = null;
    queue.wake([{ runnerId: null, count: 1 }]);
    await settle();
    expect([first!.woken, second!.woken]).toEqual([null, true]);
  });

  it('does not lose a wake-up that comes while the waiter claims: its next wait returns at once', async () => {
    const queue = new WaiterQueue();
    const waiter = queue.add(shared(1));
    // Registered and claiming (its first try): the job's wake-up arrives now.
    expect(queue.wake([{ runnerId: null, count: 1 }])).toBe(0);
    const started = Date.now();
    expect(await waiter.next(5_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    waiter.remove();
  });

  it('answers false when the time is up, and leaves no timer or entry behind on removal', async () => {
    vi.useFakeTimers();
    const queue = new WaiterQueue();
    const waiter: Waiter = queue.add(shared(1));
    const timedOut = waiter.next(1_000);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await timedOut).toBe(false);
    expect(vi.getTimerCount()).toBe(0);

    const pending = waiter.next(30_000);
    expect(vi.getTimerCount()).toBe(1);
    waiter.remove();
    expect(await pending).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(queue.size).toBe(0);
    // A removed waiter is never woken again and waits no more.
    expect(queue.wake([{ runnerId: null, count: 1 }])).toBe(0);
    expect(await waiter.next(30_000)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forgets waiters of clients that left, whatever their place', () => {
    const queue = new WaiterQueue();
    const all = waiting(queue, [1, 2, 3].map(shared));
    all[1]!.waiter.remove();
    all[0]!.waiter.remove();
    all[2]!.waiter.remove();
    expect(queue.size).toBe(0);
  });
});
