import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database, Project, User } from '../db/schema.js';
import { forbidden, notFound } from '../errors.js';

/**
 * Who may see and change a project (DESIGN §7): an admin everything; a member the projects they own or
 * are a member of, and public ones (read only). A project a user may not see is "not found" to them.
 */
export type ProjectAccess = 'view' | 'deploy' | 'manage';

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

export async function isMember(db: Db, projectId: number, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('project_members')
    .select('user_id')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** What `user` may do with `project`: null when they may not even see it. */
export async function accessTo(db: Db, user: User, project: Project): Promise<ProjectAccess | null> {
  if (user.role === 'admin' || project.owner_id === user.id) return 'manage';
  if (await isMember(db, project.id, user.id)) return 'deploy';
  if (project.public) return 'view';
  return null;
}

const RANK: Record<ProjectAccess, number> = { view: 1, deploy: 2, manage: 3 };

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
  if (RANK[access] < RANK[needed])
    throw forbidden(`you may not ${needed === 'manage' ? 'change' : 'deploy'} this project`);
  return project;
}
