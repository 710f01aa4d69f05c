/**
 * Protected environments (architecture.md §4, "Protection and approvals"): who may deploy to one by
 * hand, who may approve a deployment waiting there, and the list of its named deployers.
 */
import type { UserRef } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { Environment, Project, User } from '../db/schema.js';
import { forbidden, validationFailed, type Problem } from '../errors.js';
import { accessTo, allows, NEEDS } from '../projects/access.js';

/** What of an environment decides who deploys there. */
export type ProtectionOf = Pick<Environment, 'id' | 'name' | 'protected'>;

/** The named deployers of each of `environmentIds`, by login. */
export async function deployersOf(
  db: Db,
  environmentIds: readonly number[],
): Promise<Map<number, UserRef[]>> {
  const found = new Map<number, UserRef[]>(environmentIds.map((id) => [id, []]));
  if (!environmentIds.length) return found;
  const rows = await db
    .selectFrom('environment_deployers')
    .innerJoin('users', 'users.id', 'environment_deployers.user_id')
    .select(['environment_deployers.environment_id', 'users.id', 'users.login'])
    .where('environment_deployers.environment_id', 'in', environmentIds)
    .orderBy('users.login')
    .execute();
  for (const row of rows) found.get(row.environment_id)?.push({ id: row.id, login: row.login });
  return found;
}

/**
 * Checks that every id names a user who may deploy the project (an admin, its owner, a deployer or
 * maintainer member): a 400 naming each one that does not, since listing them would change nothing.
 */
export async function checkDeployers(db: Db, project: Project, userIds: readonly number[]): Promise<void> {
  if (!userIds.length) return;
  const users = await db.selectFrom('users').selectAll().where('id', 'in', userIds).execute();
  const problems: Problem[] = [];
  for (const [i, id] of userIds.entries()) {
    const user = users.find((u) => u.id === id);
    const access = user ? await accessTo(db, user, project) : null;
    if (!user) problems.push({ field: `deployers.${i}`, message: `no user has id ${id}` });
    else if (!access || !allows(access, NEEDS.deploy))
      problems.push({
        field: `deployers.${i}`,
        message: `${user.login} may not deploy this project (make them a deployer or maintainer first)`,
      });
  }
  if (problems.length) throw validationFailed(problems);
}

/** Replaces the environment's named deployers with `userIds`; run in the transaction that checked them. */
export async function storeDeployers(
  trx: Db,
  environmentId: number,
  userIds: readonly number[],
): Promise<void> {
  await trx.deleteFrom('environment_deployers').where('environment_id', '=', environmentId).execute();
  if (userIds.length)
    await trx
      .insertInto('environment_deployers')
      .values(userIds.map((user_id) => ({ environment_id: environmentId, user_id })))
      .execute();
}

/**
 * Whether `user` may deploy to (and approve deployments in) `env`: anyone with deploy access to the
 * project when it is not protected; when it is, admins, the owner and maintainers, or its named deployers.
 */
export async function mayDeployTo(db: Db, user: User, project: Project, env: ProtectionOf): Promise<boolean> {
  const access = await accessTo(db, user, project);
  if (!access || !allows(access, NEEDS.deploy)) return false;
  if (!env.protected || allows(access, 'manage')) return true;
  const listed = await db
    .selectFrom('environment_deployers')
    .select('user_id')
    .where('environment_id', '=', env.id)
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  return listed !== undefined;
}

/** 403 naming the environment when `user` may not deploy a build to the environment called `name`. */
export async function checkMayDeploy(db: Db, user: User, project: Project, name: string): Promise<void> {
  const env = await db
    .selectFrom('environments')
    .select(['id', 'name', 'protected'])
    .where('project_id', '=', project.id)
    .where('name', '=', name)
    .executeTakeFirst();
  // An environment not there yet is created unprotected on first use (migration 0013).
  if (!env || (await mayDeployTo(db, user, project, env))) return;
  throw forbidden(
    `environment ${env.name} is protected: only its deployers and the project's maintainers may deploy there`,
    { environment: env.name },
  );
}
