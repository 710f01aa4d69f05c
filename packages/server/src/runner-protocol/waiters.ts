/** What the queue needs of a runner to know whether it may take a job (architecture.md §4). */
export interface WaitingRunner {
  id: number;
  shared: boolean;
}

/**
 * Claimable jobs by who may take them: `count` queued deployments claimable now whose project is linked
 * to runner `runnerId`, or (`runnerId` null) that have no runner of their own, for any shared runner.
 */
export interface Demand {
  runnerId: number | null;
  count: number;
}

/** One waiting long poll in the queue. */
export interface Waiter {
  readonly runner: WaitingRunner;
  /**
   * Resolves when the waiter is woken, at once when it was woken while it was claiming, or after
   * `ms`; true when it was woken. The waiter is then `claiming` until the next call.
   */
  next(ms: number): Promise<boolean>;
  /** Leaves the queue (job claimed, time up, client gone); its timer is cleared. */
  remove(): void;
}

interface Entry {
  runner: WaitingRunner;
  /** `idle` waits to be woken; `claiming` runs a claim (at registration or after a wake-up). */
  state: 'idle' | 'claiming';
  /** Woken while claiming: claims once more before waiting. */
  again: boolean;
  resolve: ((woken: boolean) => void) | null;
  timer: NodeJS.Timeout | null;
  removed: boolean;
}

/**
 * The long polls waiting in this process, oldest first (architecture.md §5 "Dispatch"). A wake-up
 * names the claimable jobs by who may take them (Demand), and wakes, for each, only as many of the
 * first idle waiters that may take them as there are jobs, less those already claiming: a job wakes one
 * runner, never all of them. A waiter registers before its first claim and is `claiming` until it waits,
 * so a wake-up that comes while it claims is not lost: it claims again.
 */
export class WaiterQueue {
  private entries: Entry[] = [];

  get size(): number {
    return this.entries.length;
  }

  /** Waiters waiting to be woken (not claiming). */
  get idle(): number {
    return this.entries.filter((entry) => entry.state === 'idle').length;
  }

  /** Registers a waiter, `claiming` (the caller claims once right away). */
  add(runner: WaitingRunner): Waiter {
    const entry: Entry = {
      runner,
      state: 'claiming',
      again: false,
      resolve: null,
      timer: null,
      removed: false,
    };
    this.entries.push(entry);
    return {
      runner,
      next: (ms) => this.next(entry, ms),
      remove: () => this.remove(entry),
    };
  }

  /** Wakes waiters for `demand`; answers how many idle waiters were woken. */
  wake(demand: readonly Demand[]): number {
    let woken = 0;
    for (const { runnerId, count } of demand) {
      const eligible = this.entries.filter((entry) => mayTake(entry.runner, runnerId));
      // Those claiming already (woken before, or just registered) are counted first: they claim again
      // if what they try now finds nothing.
      let wanted = count;
      for (const entry of eligible) {
        if (wanted <= 0) break;
        if (entry.state !== 'claiming') continue;
        entry.again = true;
        wanted--;
      }
      for (const entry of eligible) {
        if (wanted <= 0) break;
        if (entry.state !== 'idle') continue;
        this.wakeEntry(entry);
        woken++;
        wanted--;
      }
    }
    // Woken waiters go to the back: the next job goes to the one that has waited longest.
    if (woken > 0) this.entries = [...this.entries.filter((e) => e.state === 'idle'), ...this.claiming()];
    return woken;
  }

  private claiming(): Entry[] {
    return this.entries.filter((e) => e.state === 'claiming');
  }

  private wakeEntry(entry: Entry): void {
    entry.state = 'claiming';
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    const resolve = entry.resolve;
    entry.resolve = null;
    resolve?.(true);
  }

  private next(entry: Entry, ms: number): Promise<boolean> {
    if (entry.removed) return Promise.resolve(false);
    if (entry.again) {
      entry.again = false;
      return Promise.resolve(true);
    }
    entry.state = 'idle';
    return new Promise<boolean>((resolve) => {
      entry.resolve = resolve;
      entry.timer = setTimeout(() => {
        entry.timer = null;
        entry.resolve = null;
        entry.state = 'claiming';
        resolve(false);
      }, ms);
    });
  }

  private remove(entry: Entry): void {
    if (entry.removed) return;
    entry.removed = true;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    const resolve = entry.resolve;
    entry.resolve = null;
    resolve?.(false);
    this.entries = this.entries.filter((e) => e !== entry);
  }
}

/** Whether `runner` may take a job of a project linked to `runnerId` (null: no runner of its own). */
function mayTake(runner: WaitingRunner, runnerId: number | null): boolean {
  return runnerId === null ? runner.shared : runner.id === runnerId;
}
