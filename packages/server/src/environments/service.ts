import type {
  EnvironmentChange,
  EnvironmentCreateBody,
  EnvironmentHold,
  EnvironmentUpdateBody,
  EnvironmentView,
} from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Environment, User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict, notFound } from '../errors.js';
import { NEEDS, loadProject, type ProjectAccess } from '../projects/access.js';
import { invalidFields } from '../projects/validation.js';
import {
  auditableWithVariables,
  storeVariables,
  variablesChange,
  variableViews,
} from '../branches/variables.js';
import { environmentFieldProblems } from './validation.js';
import { environmentStates, stateOf, type EnvironmentState } from './live.js';
import { publishProjectEvent } from '../events/lists.js';
import { nameTaken } from '../db/name-taken.js';
import { environmentHolds } from './hold.js';
import { checkDeployers, deployersOf, storeDeployers } from './protection.js';

/** Tells open lists (GET /api/v1/events) that an environment changed; delivered at commit. */
function announce(trx: Db, env: Environment, change: EnvironmentChange): Promise<void> {
  return publishProjectEvent(trx, {
    kind: 'environment',
    project_id: env.project_id,
    environment_id: env.id,
    change,
  });
}

/** The views of `environments` with what is live in each (one batch of queries for all). */
export async function environmentViews(db: Db, environments: Environment[]): Promise<EnvironmentView[]> {
  const ids = environments.map((env) => env.id);
  const [states, holds, deployers] = await Promise.all([
    environmentStates(db, ids),
    environmentHolds(db, ids),
    deployersOf(db, ids),
  ]);
  return environments.map((env) =>
    environmentView(env, stateOf(states, env.id), holds.get(env.id) ?? null, deployers.get(env.id) ?? []),
  );
}

export function environmentView(
  env: Environment,
  state: EnvironmentState,
  hold: EnvironmentHold | null = null,
  deployers: EnvironmentView['deployers'] = [],
): EnvironmentView {
  return {
    ...state,
    hold,
    protected: env.protected,
    required_approvals: env.required_approvals,
    deployers,
    id: env.id,
    project_id: env.project_id,
    name: env.name,
    position: env.position,
    url: env.url,
    variables: variableViews(env.variables),
    targets: env.targets,
    freeze_expire_hours: env.freeze_expire_hours,
    created_at: env.created_at.toISOString(),
    updated_at: env.updated_at.toISOString(),
  };
}

/** What an audit event shows of an environment: everything but secret values and its hold, with its deployers' ids. */
async function auditable(db: Db, env: Environment) {
  const { held_by: _b, held_at: _a, hold_reason: _r, held_by_deployment_id: _d, ...rest } = env;
  const deployers = (await deployersOf(db, [env.id])).get(env.id) ?? [];
  return { ...auditableWithVariables(rest), deployers: deployers.map((d) => d.id) };
}

function checkFields(fields: EnvironmentUpdateBody): void {
  const problems = environmentFieldProblems(fields);
  if (problems.length) throw invalidFields(problems);
}

function duplicateName(name: string) {
  return conflict('CONFLICT', `environment ${name} exists already`, [
    { field: 'name', message: 'exists already' },
  ]);
}

/** A project's environments in pipeline order (position, then name). */
export async function listEnvironments(db: Db, user: User, projectId: number): Promise<Environment[]> {
  await loadProject(db, user, projectId, 'view');
  return db
    .selectFrom('environments')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('position')
    .orderBy('name')
    .execute();
}

/** An environment with its project checked for `needed`; 404 when the caller may not see it. */
export async function loadEnvironment(
  db: Db,
  user: User,
  id: number,
  needed: ProjectAccess,
  lock = false,
): Promise<Environment> {
  let query = db.selectFrom('environments').selectAll().where('id', '=', id);
  if (lock) query = query.forUpdate();
  const env = await query.executeTakeFirst();
  if (!env) throw notFound('environment');
  await loadProject(db, user, env.project_id, 'view').catch(() => {
    throw notFound('environment');
  });
  if (needed !== 'view') await loadProject(db, user, env.project_id, needed);
  return env;
}

export async function createEnvironment(
  ctx: AppContext,
  actor: Actor,
  user: User,
  projectId: number,
  input: EnvironmentCreateBody,
): Promise<Environment> {
  checkFields(input);
  const variables = storeVariables(ctx, input.variables ?? [], []);
  return ctx.db.transaction().execute(async (trx) => {
    const project = await loadProject(trx, user, projectId, NEEDS.edit_environments);
    if (await nameTaken(trx, 'environments', projectId, input.name)) throw duplicateName(input.name);
    if (input.deployers) await checkDeployers(trx, project, input.deployers);
    const env = await trx
      .insertInto('environments')
      .values({
        project_id: projectId,
        name: input.name,
        ...(input.position !== undefined ? { position: input.position } : {}),
        url: input.url ?? null,
        variables: JSON.stringify(variables),
        targets: JSON.stringify(input.targets ?? []),
        freeze_expire_hours: input.freeze_expire_hours ?? null,
        ...(input.protected !== undefined ? { protected: input.protected } : {}),
        ...(input.required_approvals !== undefined ? { required_approvals: input.required_approvals } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (input.deployers) await storeDeployers(trx, env.id, input.deployers);
    await recordAudit(trx, {
      actor,
      action: 'create',
      entityType: 'environment',
      entityId: env.id,
      projectId,
      after: await auditable(trx, env),
    });
    await announce(trx, env, 'created');
    return env;
  });
}

/** Changes an environment; a new name reaches its branch configs, deployments and hooks (migration 0013). */
export async function updateEnvironment(
  ctx: AppContext,
  actor: Actor,
  user: User,
  id: number,
  changes: EnvironmentUpdateBody,
): Promise<Environment> {
  checkFields(changes);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await loadEnvironment(trx, user, id, NEEDS.edit_environments, true);
    if (
      changes.name !== undefined &&
      (await nameTaken(trx, 'environments', before.project_id, changes.name, id))
    )
      throw duplicateName(changes.name);
    const { variables, targets, deployers, ...rest } = changes;
    if (deployers) {
      const project = await trx
        .selectFrom('projects')
        .selectAll()
        .where('id', '=', before.project_id)
        .executeTakeFirstOrThrow();
      await checkDeployers(trx, project, deployers);
    }
    const auditedBefore = await auditable(trx, before);
    const after = await trx
      .updateTable('environments')
      .set({
        ...rest,
        ...variablesChange(ctx, variables, before.variables),
        ...(targets ? { targets: JSON.stringify(targets) } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (deployers) await storeDeployers(trx, id, deployers);
    await recordAudit(trx, {
      actor,
      action: 'update',
      entityType: 'environment',
      entityId: id,
      projectId: before.project_id,
      before: auditedBefore,
      after: await auditable(trx, after),
    });
    await announce(trx, after, 'updated');
    return after;
  });
}

/**
 * Deletes an environment with its deployment history (the audit log keeps what happened). Refused while
 * a branch config deploys to it or one of its deployments waits or runs.
 */
export async function deleteEnvironment(db: Db, actor: Actor, user: User, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await loadEnvironment(trx, user, id, NEEDS.edit_environments, true);
    const branches = await trx
      .selectFrom('branch_configs')
      .select('branch_name')
      .where('environment_id', '=', id)
      .orderBy('branch_name')
      .execute();
    if (branches.length)
      throw conflict(
        'CONFLICT',
        `branch ${branches.map((b) => b.branch_name).join(', ')} deploys to ${before.name}: point it elsewhere first`,
        { branches: branches.map((b) => b.branch_name) },
      );
    const active = await trx
      .selectFrom('deployments')
      .select('id')
      .where('environment_id', '=', id)
      .where('status', 'in', ['awaiting_approval', 'queued', 'running'])
      .limit(1)
      .executeTakeFirst();
    if (active)
      throw conflict('CONFLICT', `deployment #${active.id} is still waiting or running in ${before.name}`, {
        deployment_id: active.id,
      });
    const audited = await auditable(trx, before);
    await trx.deleteFrom('environments').where('id', '=', id).execute();
    await recordAudit(trx, {
      actor,
      action: 'delete',
      entityType: 'environment',
      entityId: id,
      projectId: before.project_id,
      before: audited,
    });
    await announce(trx, before, 'deleted');
  });
}
