import { sql } from 'kysely';
import type { EnvironmentDeployment } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import { iso } from '../http/schemas.js';
import { toCommitView } from '../builds/commit.js';

/** What each environment shows of its deployments: what is live, the latest attempt, how many wait. */
export interface EnvironmentState {
  live: EnvironmentDeployment | null;
  last: EnvironmentDeployment | null;
  waiting: number;
  /** When the freeze in force now ends (architecture.md §4, "Freeze windows"); null: not frozen. */
  frozen_until: string | null;
}

const EMPTY: EnvironmentState = { live: null, last: null, waiting: 0, frozen_until: null };

function summaryRows(db: Db) {
  return db
    .selectFrom('deployments')
    .innerJoin('builds', 'builds.id', 'deployments.build_id')
    .leftJoin('users', 'users.id', 'deployments.triggered_by')
    .select([
      'deployments.id',
      'deployments.environment_id',
      'deployments.status',
      'deployments.trigger',
      'deployments.rollback',
      'deployments.queued_at',
      'deployments.started_at',
      'deployments.finished_at',
      'deployments.phase',
      'builds.id as build_id',
      'builds.ref',
      'builds.sha',
      'builds.commit_title',
      'builds.commit_author_name',
      'builds.commit_author_email',
      'builds.commit_url',
      'builds.committed_at',
      'users.id as user_id',
      'users.login as user_login',
    ]);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryRows>['executeTakeFirstOrThrow']>>;

function summary(row: SummaryRow): EnvironmentDeployment {
  const duration =
    row.started_at && row.finished_at
      ? Math.round((row.finished_at.getTime() - row.started_at.getTime()) / 1000)
      : null;
  return {
    deployment_id: row.id,
    status: row.status,
    trigger: row.trigger,
    rollback: row.rollback,
    build: { id: row.build_id, ref: row.ref, sha: row.sha, commit: toCommitView(row) },
    triggered_by:
      row.user_id !== null && row.user_login !== null ? { id: row.user_id, login: row.user_login } : null,
    queued_at: row.queued_at.toISOString(),
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    duration_seconds: duration,
    phase: row.status === 'running' ? row.phase : null,
  };
}

/**
 * For each of `environmentIds`: `live`, its last succeeded deployment; `last`, its latest deployment that
 * has started when that is not the live one (a failed redeploy, one running now); `waiting`, how many have
 * not started; `frozen_until`, the end of the freeze now. Four queries whatever the number of environments (each uses deployments_environment_idx).
 */
export async function environmentStates(
  db: Db,
  environmentIds: readonly number[],
): Promise<Map<number, EnvironmentState>> {
  const states = new Map<number, EnvironmentState>();
  if (!environmentIds.length) return states;
  const ids = [...environmentIds];
  const latestWhere = (status: 'succeeded' | 'started') =>
    summaryRows(db)
      .distinctOn('deployments.environment_id')
      .where('deployments.environment_id', 'in', ids)
      .$call((qb) =>
        status === 'succeeded'
          ? qb.where('deployments.status', '=', 'succeeded')
          : qb.where('deployments.started_at', 'is not', null),
      )
      .orderBy('deployments.environment_id')
      .orderBy('deployments.id', 'desc')
      .execute();
  const [live, started, waiting, frozen] = await Promise.all([
    latestWhere('succeeded'),
    latestWhere('started'),
    db
      .selectFrom('deployments')
      .select(['environment_id', sql<number>`count(*)::int`.as('n')])
      .where('environment_id', 'in', ids)
      .where('started_at', 'is', null)
      .where('finished_at', 'is', null)
      .groupBy('environment_id')
      .execute(),
    db
      .selectFrom('environments')
      .select(['id', sql<Date | null>`environment_frozen_until(id, now())`.as('until')])
      .where('id', 'in', ids)
      .execute(),
  ]);
  for (const id of ids) states.set(id, { ...EMPTY });
  for (const row of live) states.get(row.environment_id)!.live = summary(row);
  for (const row of started) {
    const state = states.get(row.environment_id)!;
    if (state.live?.deployment_id !== row.id) state.last = summary(row);
  }
  for (const row of waiting) states.get(row.environment_id)!.waiting = row.n;
  for (const row of frozen) states.get(row.id)!.frozen_until = iso(row.until);
  return states;
}

export function stateOf(states: Map<number, EnvironmentState>, id: number): EnvironmentState {
  return states.get(id) ?? EMPTY;
}
