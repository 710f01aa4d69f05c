import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict, notFound } from '../errors.js';
import { invalidField } from '../projects/validation.js';
import { gitlabUrlProblem, normalizeGitlabUrl } from './client.js';

/** A GitLab an administrator configured: members choose one and store only their token for it. */
export interface InstanceView {
  id: number;
  name: string;
  url: string;
}

export async function listInstances(db: Db): Promise<InstanceView[]> {
  return db.selectFrom('gitlab_instances').select(['id', 'name', 'url']).orderBy('name').execute();
}

export async function findInstance(db: Db, id: number): Promise<InstanceView | undefined> {
  return db
    .selectFrom('gitlab_instances')
    .select(['id', 'name', 'url'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The instance, locked until the transaction ends; 404 when there is none. */
async function lockInstance(trx: Db, id: number): Promise<InstanceView> {
  const instance = await trx
    .selectFrom('gitlab_instances')
    .select(['id', 'name', 'url'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!instance) throw notFound(`GitLab instance ${id}`);
  return instance;
}

/** The name and URL as stored, or a 400 naming the field: http(s) only, no credentials, query or fragment. */
function checked(input: { name?: string; url?: string }): { name?: string; url?: string } {
  const values: { name?: string; url?: string } = {};
  if (input.name !== undefined) {
    values.name = input.name.trim();
    if (!values.name) throw invalidField('name', 'must not be empty');
  }
  if (input.url !== undefined) {
    const problem = gitlabUrlProblem(input.url.trim());
    if (problem) throw invalidField('url', problem);
    values.url = normalizeGitlabUrl(input.url);
  }
  return values;
}

/** 409 when another instance already has this name or URL. */
async function refuseDuplicate(
  trx: Db,
  values: { name?: string; url?: string },
  exceptId: number | null,
): Promise<void> {
  for (const field of ['name', 'url'] as const) {
    const value = values[field];
    if (value === undefined) continue;
    let query = trx.selectFrom('gitlab_instances').select('id').where(field, '=', value);
    if (exceptId !== null) query = query.where('id', '!=', exceptId);
    const other = await query.executeTakeFirst();
    if (other)
      throw conflict('CONFLICT', `GitLab instance ${other.id} already has the ${field} ${value}`, { field });
  }
}

export async function createInstance(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; url: string },
): Promise<InstanceView> {
  const values = checked(input) as { name: string; url: string };
  return ctx.db.transaction().execute(async (trx) => {
    await refuseDuplicate(trx, values, null);
    const row = await trx
      .insertInto('gitlab_instances')
      .values(values)
      .returning(['id', 'name', 'url'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'gitlab_instance_created',
      entityType: 'gitlab_instance',
      entityId: row.id,
      after: row,
    });
    return row;
  });
}

/**
 * Renames an instance or moves it to another URL. A new URL applies to every stored token and imported
 * project at once (their projects.gitlab_url copies follow), and tokens must be verified again there.
 */
export async function updateInstance(
  ctx: AppContext,
  actor: Actor,
  id: number,
  input: { name?: string; url?: string },
): Promise<InstanceView> {
  const values = checked(input);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await lockInstance(trx, id);
    await refuseDuplicate(trx, values, id);
    const row = await trx
      .updateTable('gitlab_instances')
      .set({ ...values, updated_at: new Date() })
      .where('id', '=', id)
      .returning(['id', 'name', 'url'])
      .executeTakeFirstOrThrow();
    if (row.url !== before.url) {
      await trx
        .updateTable('projects')
        .set({ gitlab_url: row.url })
        .where('gitlab_instance_id', '=', id)
        .execute();
      await trx
        .updateTable('gitlab_connections')
        .set({ verified_username: null, last_error: null, updated_at: new Date() })
        .where('instance_id', '=', id)
        .execute();
    }
    await recordAudit(trx, {
      actor,
      action: 'gitlab_instance_updated',
      entityType: 'gitlab_instance',
      entityId: id,
      before,
      after: row,
    });
    return row;
  });
}

/** Deletes an instance and the tokens stored for it; refused (409) while projects are imported from it. */
export async function deleteInstance(ctx: AppContext, actor: Actor, id: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await lockInstance(trx, id);
    const projects = await trx
      .selectFrom('projects')
      .select('id')
      .where('gitlab_instance_id', '=', id)
      .orderBy('id')
      .execute();
    if (projects.length > 0) {
      throw conflict(
        'CONFLICT',
        `${projects.length} project(s) were imported from ${before.name}; delete them before the instance`,
        { project_ids: projects.map((p) => p.id) },
      );
    }
    const tokens = await trx.deleteFrom('gitlab_connections').where('instance_id', '=', id).execute();
    await trx.deleteFrom('gitlab_instances').where('id', '=', id).execute();
    await recordAudit(trx, {
      actor,
      action: 'gitlab_instance_deleted',
      entityType: 'gitlab_instance',
      entityId: id,
      before: { ...before, connections_removed: Number(tokens[0]?.numDeletedRows ?? 0) },
    });
  });
}
