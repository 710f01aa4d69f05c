import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { MemberRole } from '@polytene/protocol';
import type { Database, Project, User } from '../db/schema.js';
import { forbidden, notFound } from '../errors.js';

/**
 * Who may see and change a project (architecture.md §10): an admin and the owner everything; a project
 * member what their role gives (viewer: look, deployer: also deploy, maintainer: also change it); anyone
 * a public project read only. A project a user may not see is "not found" to them.
 */
export type ProjectAccess = 'view' | 'deploy' | 'manage';

const ROLE_ACCESS: Record<MemberRole, ProjectAccess> = {
  viewer: 'view',
  deployer: 'deploy',
  maintainer: 'manage',
};

const RANK: Record<ProjectAccess, number> = { view: 1, deploy: 2, manage: 3 };

/** Whether `access` is enough for `needed`: the one check both loadProject and permissionsFor use. */
export function allows(access: ProjectAccess, needed: ProjectAccess): boolean {
  return RANK[access] >= RANK[needed];
}

/**
 * The access each action on a project needs. Routes pass these to loadProject, and project views report
 * them as `permissions`, so what the UI offers is what the server allows.
 */
export const NEEDS = {
  deploy: 'deploy',
  edit_branches: 'manage',
  edit_environments: 'manage',
  edit_variables: 'manage',
  edit_project: 'manage',
  delete_project: 'manage',
  manage_members: 'manage',
} as const satisfies Record<string, ProjectAccess>;

export type ProjectPermissions = Record<keyof typeof NEEDS, boolean>;

/** What a caller with `access` may do on the project. */
export function permissionsFor(access: ProjectAccess): ProjectPermissions {
  const entries = Object.entries(NEEDS).map(([action, needed]) => [action, allows(access, needed)]);
  return Object.fromEntries(entries) as ProjectPermissions;
}

/** A WHERE condition on `projects` selecting what `user` may view. */
export function visibleTo(user: User) {
  return (eb: ExpressionBuilder<Database, 'projects'>) => {
    if (user.role === 'admin') return sql<boolean>`true`;
    return eb.or([
      eb('projects.owner_id', '=', user.id),
      eb('projects.public', '=', true),
      eb.exists(
        eb
          .selectFrom('project_members')
          .select('project_members.user_id')
          .whereRef('project_members.project_id', '=', 'projects.id')
          .where('project_members.user_id', '=', user.id),
      ),
    ]);
  };
}

/** The role of `userId` on the project, or null when they are not a member. */
export async function memberRole(db: Db, projectId: number, userId: number): Promise<MemberRole | null> {
  const row = await db
    .selectFrom('project_members')
    .select('role')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role ?? null;
}

/** What `user` may do with `project`: null when they may not even see it. */
export async function accessTo(db: Db, user: User, project: Project): Promise<ProjectAccess | null> {
  if (user.role === 'admin' || project.owner_id === user.id) return 'manage';
  const role = await memberRole(db, project.id, user.id);
  if (role) return ROLE_ACCESS[role];
  if (project.public) return 'view';
  return null;
}

/** Loads a project and checks `needed`; 404 when invisible, 403 when visible but not enough. */
export async function loadProject(
  db: Db,
  user: User,
  projectId: number,
  needed: ProjectAccess,
): Promise<Project> {
  const project = await db.selectFrom('projects').selectAll().where('id', '=', projectId).executeTakeFirst();
  if (!project) throw notFound('project');
  const access = await accessTo(db, user, project);
  if (!access) throw notFound('project');
  if (!allows(access, needed))
    throw forbidden(`you may not ${needed === 'manage' ? 'change' : 'deploy'} this project`);
  return project;
}
