import type { DoraEnvironment, DoraView } from '@polytene/protocol';
import type { Db } from '../db/database.js';

const DAY_MS = 86_400_000;

/** The value at quantile `q` (0..1) of sorted `values`, interpolating linearly; null when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] ?? 0;
  const high = sorted[above] ?? low;
  return low + (high - low) * (position - below);
}

interface Finished {
  environment: string;
  status: 'succeeded' | 'failed';
  finishedAt: Date;
  /** Where the change's lead time starts: the commit's time when CI gave it, else the build's start. */
  changeAt: Date;
}

/**
 * DORA metrics of a project over the last `days` UTC days (today included), per environment: those of
 * its branch configs and of its deployments, or only `environment` when given (architecture.md §13).
 */
export async function doraMetrics(
  db: Db,
  projectId: number,
  days: number,
  environment?: string,
  now: Date = new Date(),
): Promise<DoraView> {
  const today = new Date(now);
  today.setUTCHours(0, 0, 0, 0);
  const first = new Date(today.getTime() - (days - 1) * DAY_MS);
  const [environments, rows] = await Promise.all([
    db
      .selectFrom('branch_configs')
      .select('environment')
      .where('project_id', '=', projectId)
      .union(db.selectFrom('deployments').select('environment').where('project_id', '=', projectId))
      .execute(),
    db
      .selectFrom('deployments')
      .innerJoin('builds', 'builds.id', 'deployments.build_id')
      .select([
        'deployments.environment',
        'deployments.status',
        'deployments.finished_at',
        'builds.committed_at',
        'builds.started_at as build_started_at',
        'builds.created_at as build_created_at',
      ])
      .where('deployments.project_id', '=', projectId)
      .where('deployments.status', 'in', ['succeeded', 'failed'])
      .where('deployments.finished_at', '>=', first)
      .$if(environment !== undefined, (qb) => qb.where('deployments.environment', '=', environment ?? ''))
      .orderBy('deployments.finished_at')
      .orderBy('deployments.id')
      .execute(),
  ]);
  const finished: Finished[] = rows.flatMap((row) =>
    row.finished_at && (row.status === 'succeeded' || row.status === 'failed')
      ? [
          {
            environment: row.environment,
            status: row.status,
            finishedAt: row.finished_at,
            changeAt: row.committed_at ?? row.build_started_at ?? row.build_created_at,
          },
        ]
      : [],
  );
  const names = environment !== undefined ? [environment] : environments.map((row) => row.environment);
  const result = [...new Set(names)]
    .sort((a, b) => a.localeCompare(b))
    .map((name) =>
      environmentMetrics(
        name,
        finished.filter((row) => row.environment === name),
        days,
        first,
      ),
    );
  return { days, from: first.toISOString().slice(0, 10), environments: result };
}

/** The four figures and the daily series of one environment from its finished deployments, oldest first. */
function environmentMetrics(
  name: string,
  rows: readonly Finished[],
  days: number,
  first: Date,
): DoraEnvironment {
  const succeeded = rows.filter((row) => row.status === 'succeeded');
  const failed = rows.filter((row) => row.status === 'failed');
  const leadTimes = succeeded
    .map((row) => Math.max(0, (row.finishedAt.getTime() - row.changeAt.getTime()) / 1000))
    .sort((a, b) => a - b);
  const restores: number[] = [];
  for (const failure of failed) {
    const next = succeeded.find((row) => row.finishedAt.getTime() > failure.finishedAt.getTime());
    if (next) restores.push((next.finishedAt.getTime() - failure.finishedAt.getTime()) / 1000);
  }
  restores.sort((a, b) => a - b);
  const series = Array.from({ length: days }, (_, i) => ({
    date: new Date(first.getTime() + i * DAY_MS).toISOString().slice(0, 10),
    deployments: 0,
    failures: 0,
  }));
  for (const row of rows) {
    const day = series[Math.floor((row.finishedAt.getTime() - first.getTime()) / DAY_MS)];
    if (!day) continue;
    if (row.status === 'succeeded') day.deployments += 1;
    else day.failures += 1;
  }
  return {
    environment: name,
    deployments: succeeded.length,
    failures: failed.length,
    deploymentsPerDay: succeeded.length / days,
    leadTime: { median: quantile(leadTimes, 0.5), p90: quantile(leadTimes, 0.9) },
    changeFailureRate: rows.length === 0 ? null : failed.length / rows.length,
    timeToRestore: { median: quantile(restores, 0.5), unrestored: failed.length - restores.length },
    series,
  };
}
