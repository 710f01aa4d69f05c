import type { Db } from '../db/database.js';
import type { MemberRole } from '@polytene/protocol';
import type { Project, User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict, notFound } from '../errors.js';
import { NEEDS, loadProject } from './access.js';
import { invalidField } from './validation.js';

export interface Member {
  user: { id: number; login: string; name: string };
  role: MemberRole;
  created_at: Date;
}

/** Those who may manage members list or change them; the owner is the project's, never a member. */
export async function listMembers(db: Db, user: User, projectId: number): Promise<Member[]> {
  await loadProject(db, user, projectId, NEEDS.manage_members);
  const rows = await db
    .selectFrom('project_members')
    .innerJoin('users', 'users.id', 'project_members.user_id')
    .select(['users.id', 'users.login', 'users.name', 'project_members.role', 'project_members.created_at'])
    .where('project_members.project_id', '=', projectId)
    .orderBy('users.login')
    .execute();
  return rows.map((r) => ({
    user: { id: r.id, login: r.login, name: r.name },
    role: r.role,
    created_at: r.created_at,
  }));
}

type Target = { id: number; login: string; name: string; disabled: boolean };

/** 409s the UI tells apart by code: the user is a member already, or owns the project. */
const alreadyMember = (login: string) => conflict('ALREADY_MEMBER', `${login} is a member already`);
const ownerConflict = (message: string) => conflict('PROJECT_OWNER', message);

function checkTarget(project: Project, target: Target | undefined, field: string): Target {
  if (!target || target.disabled) throw invalidField(field, 'is not an active user');
  if (target.id === project.owner_id) throw ownerConflict(`${target.login} owns this project already`);
  return target;
}

/** The user to make a member (by id or login) of a project whose members the caller manages. */
async function loadTarget(
  trx: Db,
  user: User,
  projectId: number,
  by: { id: number } | { login: string },
): Promise<Target> {
  const project = await loadProject(trx, user, projectId, NEEDS.manage_members);
  const users = trx.selectFrom('users').select(['id', 'login', 'name', 'disabled']);
  const found = await (
    'id' in by ? users.where('id', '=', by.id) : users.where('login', '=', by.login.trim())
  ).executeTakeFirst();
  return checkTarget(project, found, 'id' in by ? 'user_id' : 'login');
}

/**
 * Adds a member by user id with `role` (a deployer when not given). Adding one who is already a
 * member changes nothing and records nothing, unless `role` is given and differs.
 */
export async function addMember(
  db: Db,
  actor: Actor,
  user: User,
  projectId: number,
  memberId: number,
  role?: MemberRole,
): Promise<{ member: Member; added: boolean }> {
  return db.transaction().execute(async (trx) => {
    const target = await loadTarget(trx, user, projectId, { id: memberId });
    return putMember(trx, actor, projectId, target, role, false);
  });
}

/** Adds a member by login; one who is a member already is a 409 (change their role instead). */
export async function addMemberByLogin(
  db: Db,
  actor: Actor,
  user: User,
  projectId: number,
  login: string,
  role: MemberRole,
): Promise<Member> {
  return db.transaction().execute(async (trx) => {
    const target = await loadTarget(trx, user, projectId, { login });
    return (await putMember(trx, actor, projectId, target, role, true)).member;
  });
}

async function putMember(
  trx: Db,
  actor: Actor,
  projectId: number,
  target: Target,
  role: MemberRole | undefined,
  refuseExisting: boolean,
): Promise<{ member: Member; added: boolean }> {
  const existing = await trx
    .selectFrom('project_members')
    .select(['role', 'created_at'])
    .where('project_id', '=', projectId)
    .where('user_id', '=', target.id)
    .forUpdate()
    .executeTakeFirst();
  const userView = { id: target.id, login: target.login, name: target.name };
  if (existing) {
    if (refuseExisting) throw alreadyMember(target.login);
    if (role === undefined || role === existing.role) {
      return { member: { user: userView, ...existing }, added: false };
    }
    return { member: await changeRole(trx, actor, projectId, target.id, existing.role, role), added: false };
  }
  const inserted = await trx
    .insertInto('project_members')
    .values({ project_id: projectId, user_id: target.id, role })
    .returning(['role', 'created_at'])
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    actor,
    action: 'member_add',
    entityType: 'project_member',
    entityId: `${projectId}:${target.id}`,
    projectId,
    after: { user_id: target.id, login: target.login, role: inserted.role },
  });
  return { member: { user: userView, ...inserted }, added: true };
}

async function changeRole(
  trx: Db,
  actor: Actor,
  projectId: number,
  memberId: number,
  before: MemberRole,
  role: MemberRole,
): Promise<Member> {
  const updated = await trx
    .updateTable('project_members')
    .set({ role })
    .where('project_id', '=', projectId)
    .where('user_id', '=', memberId)
    .returning(['role', 'created_at'])
    .executeTakeFirstOrThrow();
  const target = await trx
    .selectFrom('users')
    .select(['id', 'login', 'name'])
    .where('id', '=', memberId)
    .executeTakeFirstOrThrow();
  if (before !== role) {
    await recordAudit(trx, {
      actor,
      action: 'member_role_change',
      entityType: 'project_member',
      entityId: `${projectId}:${memberId}`,
      projectId,
      before: { user_id: memberId, role: before },
      after: { user_id: memberId, role },
    });
  }
  return { user: target, ...updated };
}

/** Changes a member's role; 404 when they are not a member, 409 for the owner. */
export async function setMemberRole(
  db: Db,
  actor: Actor,
  user: User,
  projectId: number,
  memberId: number,
  role: MemberRole,
): Promise<Member> {
  return onMember(db, user, projectId, memberId, "the owner's right cannot be changed here", async (trx) => {
    const existing = await trx
      .selectFrom('project_members')
      .select('role')
      .where('project_id', '=', projectId)
      .where('user_id', '=', memberId)
      .forUpdate()
      .executeTakeFirst();
    if (!existing) throw notFound('member');
    return changeRole(trx, actor, projectId, memberId, existing.role, role);
  });
}

/** `work` in a transaction, when `user` may manage the project's members and `memberId` is not its owner. */
async function onMember<T>(
  db: Db,
  user: User,
  projectId: number,
  memberId: number,
  ownerMessage: string,
  work: (trx: Db) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const project = await loadProject(trx, user, projectId, NEEDS.manage_members);
    if (memberId === project.owner_id) throw ownerConflict(ownerMessage);
    return work(trx);
  });
}

export async function removeMember(
  db: Db,
  actor: Actor,
  user: User,
  projectId: number,
  memberId: number,
): Promise<void> {
  await onMember(
    db,
    user,
    projectId,
    memberId,
    'the owner cannot be removed from their project',
    async (trx) => {
      const removed = await trx
        .deleteFrom('project_members')
        .where('project_id', '=', projectId)
        .where('user_id', '=', memberId)
        .returning(['user_id', 'role'])
        .executeTakeFirst();
      if (!removed) throw notFound('member');
      await recordAudit(trx, {
        actor,
        action: 'member_remove',
        entityType: 'project_member',
        entityId: `${projectId}:${memberId}`,
        projectId,
        before: { user_id: memberId, role: removed.role },
      });
    },
  );
}
