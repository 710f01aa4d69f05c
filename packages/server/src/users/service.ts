import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict, notFound } from '../errors.js';
import { hashPassword, passwordProblem } from '../auth/passwords.js';
import { invalidField } from '../projects/validation.js';
import { toUserView } from './view.js';

export type Role = User['role'];
export type Locale = User['locale'];

export interface NewUserInput {
  login: string;
  email: string;
  name?: string;
  password: string;
  role?: Role;
}

export interface UserChanges {
  role?: Role;
  disabled?: boolean;
  email?: string;
  name?: string;
  locale?: Locale;
}

export async function listUsers(
  db: Db,
  options: { q?: string; page: number; perPage: number },
): Promise<{ users: User[]; total: number }> {
  let query = db.selectFrom('users');
  if (options.q) {
    const like = `%${options.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb('login', 'ilike', like), eb('name', 'ilike', like)]));
  }
  const [users, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('login')
      .limit(options.perPage)
      .offset((options.page - 1) * options.perPage)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { users, total: Number(count.total) };
}

export async function getUser(db: Db, id: number): Promise<User> {
  const user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!user) throw notFound('user');
  return user;
}

/** An account made by an administrator; its owner must choose a new password at first login. */
export async function createUser(db: Db, actor: Actor, input: NewUserInput): Promise<User> {
  const passwordHash = await checkedPasswordHash(input.password, input.login);
  return db
    .transaction()
    .execute((trx) => insertAccount(trx, actor, input, { passwordHash, mustChangePassword: true }));
}

/** The hash of a new account's password, or a 422 naming the rule it breaks (auth/passwords.ts). */
export async function checkedPasswordHash(password: string, login: string): Promise<string> {
  const problem = passwordProblem(password, login);
  if (problem) throw invalidField('password', problem);
  return hashPassword(password);
}

/**
 * Inserts and audits an account in the caller's transaction; a login taken in any letter case is a 409.
 * Shared by createUser and accepted invitations (invitations/service.ts), whose person chose the password.
 */
export async function insertAccount(
  trx: Db,
  actor: Actor,
  input: Omit<NewUserInput, 'password'>,
  options: { passwordHash: string; mustChangePassword: boolean },
): Promise<User> {
  const taken = await trx
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(login)`, '=', input.login.toLowerCase())
    .executeTakeFirst();
  if (taken)
    throw conflict('CONFLICT', `login ${input.login} is taken`, [{ field: 'login', message: 'is taken' }]);
  const user = await trx
    .insertInto('users')
    .values({
      login: input.login,
      email: input.email,
      name: input.name ?? '',
      password_hash: options.passwordHash,
      role: input.role ?? 'member',
      must_change_password: options.mustChangePassword,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    actor,
    action: 'create',
    entityType: 'user',
    entityId: user.id,
    after: toUserView(user),
  });
  return user;
}

/**
 * Changes a user's account. The last active administrator can be neither demoted nor disabled, so the
 * installation always keeps someone who can manage it; disabling a user ends their sessions and revokes
 * their API tokens.
 */
export async function updateUser(db: Db, actor: Actor, id: number, changes: UserChanges): Promise<User> {
  return db.transaction().execute(async (trx) => {
    // Locking every active admin serialises concurrent demotions, so two cannot both pass the check.
    const activeAdmins = await trx
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('disabled', '=', false)
      .orderBy('id')
      .forUpdate()
      .execute();
    const before = await trx
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw notFound('user');
    const isActiveAdmin = before.role === 'admin' && !before.disabled;
    if (isActiveAdmin && activeAdmins.length <= 1) {
      if (changes.role === 'member')
        throw invalidField('role', 'cannot demote the last active administrator');
      if (changes.disabled === true)
        throw invalidField('disabled', 'cannot disable the last active administrator');
    }
    const after = await trx
      .updateTable('users')
      .set({ ...changes, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (changes.disabled === true && !before.disabled) await endAccess(trx, id);
    await recordAudit(trx, {
      actor,
      action: actionFor(before, changes),
      entityType: 'user',
      entityId: id,
      before: toUserView(before),
      after: toUserView(after),
    });
    return after;
  });
}

/**
 * A disabled user's sessions end and their API tokens are revoked for good: enabling the user again
 * does not bring them back (they make new ones). Their runners are refused while they are disabled
 * (runner-protocol/auth.ts, claim.ts).
 */
async function endAccess(trx: Db, userId: number): Promise<void> {
  await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await trx
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

function actionFor(before: User, changes: UserChanges): string {
  if (changes.disabled === true && !before.disabled) return 'disable';
  if (changes.disabled === false && before.disabled) return 'enable';
  return 'update';
}
