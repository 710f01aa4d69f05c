import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/bus.js';
import type { Metrics } from '../metrics/metrics.js';
import { claimable } from './claim-blockers.js';
import { WaiterQueue, type Demand } from './waiters.js';

/**
 * The claimable jobs by who may take them: queued deployments none of the claim blockers holds for,
 * counted per linked runner (null: projects with no runner of their own, for shared runners). One
 * query, whatever the number of runners; the claim itself (claim.ts) still decides.
 */
export async function claimDemand(db: Db): Promise<Demand[]> {
  const { rows } = await sql<{ runner_id: number | null; count: number }>`
    SELECT p.runner_id, count(*)::int AS count
    FROM deployments d
    JOIN projects p ON p.id = d.project_id
    WHERE d.status = 'queued' AND ${claimable()}
    GROUP BY p.runner_id`.execute(db);
  return rows.map((row) => ({ runnerId: row.runner_id, count: row.count }));
}

/**
 * Dispatch in one server process (architecture.md §5 "Dispatch"): on each `jobs` event from any replica,
 * and after each job claimed here (more may wait), one query says what is claimable for whom and only
 * that many of this process's waiting runners are woken (WaiterQueue). Events that come while a pass
 * runs are folded into one more pass after it. The cost of a job is a few queries per replica, not one
 * claim per waiting runner.
 */
export class JobDispatch {
  readonly waiters = new WaiterQueue();
  private running = false;
  private pending = false;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Db,
    private readonly metrics: Metrics,
    bus: EventBus,
    /** The `jobs` topic (deployments/transitions.ts JOBS_TOPIC, passed in: context.ts imports this file). */
    topic: string,
  ) {
    this.unsubscribe = bus.subscribe(topic, () => this.poke());
  }

  /** Something may have become claimable: wake whom it concerns. */
  poke(): void {
    // A runner that starts waiting later claims on its own before it waits.
    if (this.stopped || this.waiters.size === 0) return;
    this.pending = true;
    if (!this.running) void this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending && !this.stopped) {
        this.pending = false;
        if (this.waiters.size === 0) continue;
        try {
          const demand = await claimDemand(this.db);
          this.metrics.dispatchProbe();
          this.waiters.wake(demand);
        } catch (error) {
          // Every waiter still claims again when its long poll ends (long-poll.ts); said aloud, since a
          // claim blocker this query cannot run (one naming more than `d` and `p`) slows every dispatch.
          if (!this.stopped) console.error('[dispatch] the demand query failed:', error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
