import type { Db } from '../db/database.js';
import type { Deployment, Project, User } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { loadProject, type ProjectAccess } from '../projects/access.js';

/** A deployment and its project when `user` has `needed` on the project; 404 when they cannot see it. */
export async function loadDeployment(
  db: Db,
  user: User,
  id: number,
  needed: ProjectAccess,
): Promise<{ deployment: Deployment; project: Project }> {
  const deployment = await db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!deployment) throw notFound('deployment');
  try {
    return { deployment, project: await loadProject(db, user, deployment.project_id, needed) };
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 404) throw notFound('deployment');
    throw error;
  }
}
