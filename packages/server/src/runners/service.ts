import type { Db } from '../db/database.js';
import type { Runner, User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { forbidden, notFound, type AppError } from '../errors.js';
import { hashToken, newToken } from '../secrets.js';
import { visibleTo } from '../projects/access.js';
import { publishRunnerEvent } from '../events/lists.js';

export const RUNNER_TOKEN_PREFIX = 'prt';

export interface RunnerChanges {
  name?: string;
  active?: boolean;
  shared?: boolean;
}

/** Whether `user` may see a runner: their own, a shared one, or any when admin. */
export function canSeeRunner(user: User, runner: Runner): boolean {
  return user.role === 'admin' || runner.shared || runner.owner_id === user.id;
}

/** Whether `user` may change a runner (or link projects to it): the owner or an admin. */
export function canManageRunner(user: User, runner: Runner): boolean {
  return user.role === 'admin' || runner.owner_id === user.id;
}

/** Whether `user` may link a project to a runner: they own it, it is shared, or they are an admin. */
export const canUseRunner = canSeeRunner;

function sharedNeedsAdmin(): AppError {
  return forbidden('only an administrator may share a runner', [
    { field: 'shared', message: 'may be set only by an administrator' },
  ]);
}

export async function listRunners(db: Db, user: User): Promise<Runner[]> {
  let query = db.selectFrom('runners').selectAll();
  if (user.role !== 'admin') {
    query = query.where((eb) => eb.or([eb('owner_id', '=', user.id), eb('shared', '=', true)]));
  }
  return query.orderBy('name').orderBy('id').execute();
}

/** Loads a runner `user` may see (404 otherwise) and, when `manage`, may change (403 otherwise). */
export async function loadRunner(db: Db, user: User, id: number, manage = false): Promise<Runner> {
  const runner = await db.selectFrom('runners').selectAll().where('id', '=', id).executeTakeFirst();
  if (!runner || !canSeeRunner(user, runner)) throw notFound('runner');
  if (manage && !canManageRunner(user, runner))
    throw forbidden('only the owner or an administrator may change this runner');
  return runner;
}

/** Projects linked to each runner that `user` may view, keyed by runner id. */
export async function linkedProjects(
  db: Db,
  user: User,
  runnerIds: number[],
): Promise<Map<number, { id: number; name: string }[]>> {
  const byRunner = new Map<number, { id: number; name: string }[]>();
  if (runnerIds.length === 0) return byRunner;
  const rows = await db
    .selectFrom('projects')
    .select(['id', 'name', 'runner_id'])
    .where('runner_id', 'in', runnerIds)
    .where(visibleTo(user))
    .orderBy('name')
    .execute();
  for (const row of rows) {
    if (row.runner_id === null) continue;
    const list = byRunner.get(row.runner_id) ?? [];
    list.push({ id: row.id, name: row.name });
    byRunner.set(row.runner_id, list);
  }
  return byRunner;
}

function auditable(runner: Runner) {
  return { name: runner.name, owner_id: runner.owner_id, active: runner.active, shared: runner.shared };
}

/** Registers a runner owned by `user`; the token is returned once and stored only hashed. */
export async function createRunner(
  db: Db,
  actor: Actor,
  user: User,
  input: { name: string; shared?: boolean },
): Promise<{ runner: Runner; token: string }> {
  if (input.shared && user.role !== 'admin') throw sharedNeedsAdmin();
  const token = newToken(RUNNER_TOKEN_PREFIX);
  const runner = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('runners')
      .values({
        name: input.name,
        owner_id: user.id,
        token_hash: hashToken(token),
        shared: input.shared ?? false,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'create',
      entityType: 'runner',
      entityId: row.id,
      after: auditable(row),
    });
    await publishRunnerEvent(trx, row, 'created');
    return row;
  });
  return { runner, token };
}

export async function updateRunner(
  db: Db,
  actor: Actor,
  user: User,
  id: number,
  changes: RunnerChanges,
  /** Runs in the same transaction after the change (e.g. queueing deploy keys again). */
  afterChange?: (trx: Db, before: Runner, after: Runner) => Promise<void>,
): Promise<Runner> {
  if (changes.shared !== undefined && user.role !== 'admin') throw sharedNeedsAdmin();
  return db.transaction().execute(async (trx) => {
    const before = await loadRunner(trx, user, id, true);
    const after = await trx
      .updateTable('runners')
      .set({ ...changes, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const action =
      changes.active === false && before.active
        ? 'pause'
        : changes.active && !before.active
          ? 'resume'
          : 'update';
    await recordAudit(trx, {
      actor,
      action,
      entityType: 'runner',
      entityId: id,
      before: auditable(before),
      after: auditable(after),
    });
    await afterChange?.(trx, before, after);
    // Those who saw it before (it was shared) hear of it too, so a runner no longer shared leaves their list.
    await publishRunnerEvent(trx, { ...after, shared: after.shared || before.shared }, 'updated');
    return after;
  });
}

/** Removes a runner; its projects lose the link and its token stops working at once. */
export async function deleteRunner(db: Db, actor: Actor, user: User, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await loadRunner(trx, user, id, true);
    await trx.deleteFrom('runners').where('id', '=', id).execute();
    await recordAudit(trx, {
      actor,
      action: 'delete',
      entityType: 'runner',
      entityId: id,
      before: auditable(before),
    });
    await publishRunnerEvent(trx, before, 'deleted');
  });
}

/** Replaces a runner's token; the old one stops working at once. */
export async function regenerateRunnerToken(db: Db, actor: Actor, user: User, id: number): Promise<string> {
  const token = newToken(RUNNER_TOKEN_PREFIX);
  await db.transaction().execute(async (trx) => {
    await loadRunner(trx, user, id, true);
    await trx
      .updateTable('runners')
      .set({ token_hash: hashToken(token), updated_at: new Date() })
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, { actor, action: 'token_regenerate', entityType: 'runner', entityId: id });
  });
  return token;
}
