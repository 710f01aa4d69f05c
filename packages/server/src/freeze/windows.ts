import { sql } from 'kysely';
import type {
  FreezeWindowCreateBody,
  FreezeWindowList,
  FreezeWindowUpdateBody,
  FreezeWindowView,
} from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Environment, FreezeWindow, User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { notFound } from '../errors.js';
import { iso } from '../http/schemas.js';
import { problem } from '../http/problems.js';
import { publishProjectEvent } from '../events/lists.js';
import { NEEDS } from '../projects/access.js';
import { invalidFields } from '../projects/validation.js';
import { loadEnvironment } from '../environments/service.js';
import { freezeWindowProblems } from './validation.js';
import { frozenUntil, scheduleFreezeWake, wakeEnvironment } from './wake.js';

function windowRows(db: Db) {
  return db
    .selectFrom('freeze_windows')
    .leftJoin('users', 'users.id', 'freeze_windows.created_by')
    .selectAll('freeze_windows')
    .select(['users.login as created_by_login']);
}

type WindowRow = Awaited<ReturnType<ReturnType<typeof windowRows>['executeTakeFirstOrThrow']>>;

const hhmm = (time: string | null) => (time === null ? null : time.slice(0, 5));

function windowView(row: WindowRow): FreezeWindowView {
  return {
    id: row.id,
    environment_id: row.environment_id,
    kind: row.kind,
    starts_weekday: row.starts_weekday,
    starts_time: hhmm(row.starts_time),
    ends_weekday: row.ends_weekday,
    ends_time: hhmm(row.ends_time),
    time_zone: row.time_zone,
    starts_at: iso(row.starts_at),
    ends_at: iso(row.ends_at),
    reason: row.reason,
    created_by:
      row.created_by !== null && row.created_by_login !== null
        ? { id: row.created_by, login: row.created_by_login }
        : null,
    created_at: row.created_at.toISOString(),
  };
}

/** An environment's freeze windows (once ones by start, then recurring ones) and the end of the freeze now. */
export async function listFreezeWindows(
  db: Db,
  user: User,
  environmentId: number,
): Promise<FreezeWindowList> {
  await loadEnvironment(db, user, environmentId, 'view');
  const rows = await windowRows(db)
    .where('freeze_windows.environment_id', '=', environmentId)
    .orderBy('freeze_windows.kind')
    .orderBy('freeze_windows.starts_at')
    .orderBy('freeze_windows.id')
    .execute();
  return { freeze_windows: rows.map(windowView), frozen_until: iso(await frozenUntil(db, environmentId)) };
}

/** What changed the freeze of `env`: tell pages and runners, and move the wake-up at its end. */
async function freezeChanged(ctx: AppContext, trx: Db, env: Environment): Promise<void> {
  await publishProjectEvent(trx, {
    kind: 'environment',
    project_id: env.project_id,
    environment_id: env.id,
    change: 'updated',
  });
  await wakeEnvironment(trx, env.id);
  await scheduleFreezeWake(ctx, trx, env.id);
}

async function knownToDatabase(db: Db, zone: string): Promise<boolean> {
  const { rows } = await sql<{ known: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = ${zone}) AS known`.execute(db);
  return rows[0]?.known === true;
}

/** Adds a window to an environment (maintainers); audited, and the freeze's wake-up moves. */
export async function createFreezeWindow(
  ctx: AppContext,
  actor: Actor,
  user: User,
  environmentId: number,
  body: FreezeWindowCreateBody,
): Promise<FreezeWindowView> {
  await checkWindow(ctx.db, body);
  const id = await ctx.db.transaction().execute(async (trx) => {
    const env = await loadEnvironment(trx, user, environmentId, NEEDS.edit_environments, true);
    const row = await trx
      .insertInto('freeze_windows')
      .values({
        environment_id: env.id,
        kind: body.kind,
        starts_weekday: body.starts_weekday ?? null,
        starts_time: body.starts_time ?? null,
        ends_weekday: body.ends_weekday ?? null,
        ends_time: body.ends_time ?? null,
        time_zone: body.time_zone ?? null,
        starts_at: body.starts_at ?? null,
        ends_at: body.ends_at ?? null,
        reason: body.reason?.trim() || null,
        created_by: user.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'create',
      entityType: 'freeze_window',
      entityId: row.id,
      projectId: env.project_id,
      after: { ...row, environment: env.name },
    });
    await freezeChanged(ctx, trx, env);
    return row.id;
  });
  return windowView(await windowRows(ctx.db).where('freeze_windows.id', '=', id).executeTakeFirstOrThrow());
}

/** A window and its environment, locked, for a change by `user` (edit_environments); 404 when unseen. */
async function loadWindowToChange(
  trx: Db,
  user: User,
  id: number,
): Promise<{ row: FreezeWindow; env: Environment }> {
  const row = await trx
    .selectFrom('freeze_windows')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('freeze window');
  const env = await loadEnvironment(trx, user, row.environment_id, NEEDS.edit_environments, true).catch(
    (error: unknown) => {
      throw (error as { statusCode?: number }).statusCode === 404 ? notFound('freeze window') : error;
    },
  );
  return { row, env };
}

/** A stored window as the body that would create it, for checking a change against the whole. */
function bodyOf(row: FreezeWindow): FreezeWindowCreateBody {
  const view = windowView({ ...row, created_by_login: null });
  const body: FreezeWindowCreateBody = { kind: row.kind };
  for (const key of FIELDS) {
    const value = view[key];
    if (value !== null) Object.assign(body, { [key]: value });
  }
  return body;
}

const FIELDS = [
  'starts_weekday',
  'starts_time',
  'ends_weekday',
  'ends_time',
  'time_zone',
  'starts_at',
  'ends_at',
] as const;

/** 400 naming every problem of `body`, the time zone checked with the database too. */
async function checkWindow(db: Db, body: FreezeWindowCreateBody): Promise<void> {
  const problems = freezeWindowProblems(body);
  if (!problems.length && body.time_zone !== undefined && !(await knownToDatabase(db, body.time_zone)))
    problems.push(problem('time_zone', 'invalid', 'is not a time zone the database knows'));
  if (problems.length) throw invalidFields(problems);
}

/** Changes a window (maintainers; its kind stays); audited, and the environment is woken. */
export async function updateFreezeWindow(
  ctx: AppContext,
  actor: Actor,
  user: User,
  id: number,
  changes: FreezeWindowUpdateBody,
): Promise<FreezeWindowView> {
  await ctx.db.transaction().execute(async (trx) => {
    const { row, env } = await loadWindowToChange(trx, user, id);
    const { reason, ...fields } = changes;
    await checkWindow(trx, { ...bodyOf(row), ...fields });
    const after = await trx
      .updateTable('freeze_windows')
      .set({ ...fields, ...(reason !== undefined ? { reason: reason.trim() || null } : {}) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'update',
      entityType: 'freeze_window',
      entityId: id,
      projectId: env.project_id,
      before: { ...row, environment: env.name },
      after: { ...after, environment: env.name },
    });
    await freezeChanged(ctx, trx, env);
  });
  return windowView(await windowRows(ctx.db).where('freeze_windows.id', '=', id).executeTakeFirstOrThrow());
}

/** Removes a window (maintainers); 404 for one the caller may not see. Audited; wakes the environment. */
export async function deleteFreezeWindow(
  ctx: AppContext,
  actor: Actor,
  user: User,
  id: number,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { row, env } = await loadWindowToChange(trx, user, id);
    await trx.deleteFrom('freeze_windows').where('id', '=', id).execute();
    await recordAudit(trx, {
      actor,
      action: 'delete',
      entityType: 'freeze_window',
      entityId: id,
      projectId: env.project_id,
      before: { ...row, environment: env.name },
    });
    await freezeChanged(ctx, trx, env);
  });
}
