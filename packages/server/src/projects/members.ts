import type { Db } from '../db/database.js';
import type { User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { notFound } from '../errors.js';
import { loadProject } from './access.js';
import { invalidField } from './validation.js';

export interface Member {
  user: { id: number; login: string; name: string };
  created_at: Date;
}

/** Project members may deploy it; only those who may manage the project list or change them. */
export async function listMembers(db: Db, user: User, projectId: number): Promise<Member[]> {
  await loadProject(db, user, projectId, 'manage');
  const rows = await db
    .selectFrom('project_members')
    .innerJoin('users', 'users.id', 'project_members.user_id')
    .select(['users.id', 'users.login', 'users.name', 'project_members.created_at'])
    .where('project_members.project_id', '=', projectId)
    .orderBy('users.login')
    .execute();
  return rows.map((r) => ({ user: { id: r.id, login: r.login, name: r.name }, created_at: r.created_at }));
}

/** Adds a member; adding one who is already a member changes nothing and records nothing. */
export async function addMember(
  db: Db,
  actor: Actor,
  user: User,
  projectId: number,
  memberId: number,
): Promise<{ member: Member; added: boolean }> {
  return db.transaction().execute(async (trx) => {
    await loadProject(trx, user, projectId, 'manage');
    const target = await trx
      .selectFrom('users')
      .select(['id', 'login', 'name', 'disabled'])
      .where('id', '=', memberId)
      .executeTakeFirst();
    if (!target || target.disabled) throw invalidField('user_id', 'is not an active user');
    const inserted = await trx
      .insertInto('project_members')
      .values({ project_id: projectId, user_id: memberId })
      .onConflict((oc) => oc.columns(['project_id', 'user_id']).doNothing())
      .returning('created_at')
      .executeTakeFirst();
    if (inserted) {
      await recordAudit(trx, {
        actor,
        action: 'member_add',
        entityType: 'project_member',
        entityId: `${projectId}:${memberId}`,
        projectId,
        after: { user_id: memberId, login: target.login },
      });
    }
    const row =
      inserted ??
      (await trx
        .selectFrom('project_members')
        .select('created_at')
        .where('project_id', '=', projectId)
        .where('user_id', '=', memberId)
        .executeTakeFirstOrThrow());
    return {
      member: { user: { id: target.id, login: target.login, name: target.name }, created_at: row.created_at },
      added: inserted !== undefined,
    };
  });
}

export async function removeMember(
  db: Db,
  actor: Actor,
  user: User,
  projectId: number,
  memberId: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await loadProject(trx, user, projectId, 'manage');
    const removed = await trx
      .deleteFrom('project_members')
      .where('project_id', '=', projectId)
      .where('user_id', '=', memberId)
      .returning('user_id')
      .executeTakeFirst();
    if (!removed) throw notFound('member');
    await recordAudit(trx, {
      actor,
      action: 'member_remove',
      entityType: 'project_member',
      entityId: `${projectId}:${memberId}`,
      projectId,
      before: { user_id: memberId },
    });
  });
}
