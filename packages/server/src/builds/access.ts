import type { Db } from '../db/database.js';
import type { Build, Project, User } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { loadProject, type ProjectAccess } from '../projects/access.js';

/** A build and its project when `user` has `needed` on the project; 404 when they cannot see it. */
export async function loadBuild(
  db: Db,
  user: User,
  id: number,
  needed: ProjectAccess,
): Promise<{ build: Build; project: Project }> {
  const build = await db.selectFrom('builds').selectAll().where('id', '=', id).executeTakeFirst();
  if (!build) throw notFound('build');
  try {
    return { build, project: await loadProject(db, user, build.project_id, needed) };
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 404) throw notFound('build');
    throw error;
  }
}
