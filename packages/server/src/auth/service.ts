import type { Db } from '../db/database.js';
import type { User } from '../db/schema.js';
import { hashToken, newToken } from '../secrets.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const SESSION_COOKIE = 'polytene_session';
export const CSRF_COOKIE = 'polytene_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const API_TOKEN_PREFIX = 'pt';
export const SESSION_TOKEN_PREFIX = 'ps';

export const DEFAULT_ADMIN = { login: 'admin', password: 'AlaMaKota2!', email: 'admin@localhost' } as const;

// A fixed hash to verify against when the login is unknown, so timing does not reveal which logins exist.
let dummyHash: Promise<string> | null = null;

export async function checkCredentials(db: Db, login: string, password: string): Promise<User | null> {
  const user = await db.selectFrom('users').selectAll().where('login', '=', login).executeTakeFirst();
  if (!user) {
    dummyHash ??= hashPassword('not-a-real-password');
    await verifyPassword(await dummyHash, password);
    return null;
  }
  if (!(await verifyPassword(user.password_hash, password))) return null;
  return user;
}

export async function createSession(
  db: Db,
  userId: number,
  hours: number,
  meta: { ip: string | null; userAgent: string | null },
): Promise<{ token: string; id: number }> {
  const token = newToken(SESSION_TOKEN_PREFIX);
  const row = await db
    .insertInto('sessions')
    .values({
      token_hash: hashToken(token),
      user_id: userId,
      expires_at: new Date(Date.now() + hours * 3600_000),
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 512) ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, id: row.id };
}

export async function userForSession(
  db: Db,
  token: string,
): Promise<{ user: User; sessionId: number } | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select(['sessions.id as session_id', 'sessions.last_seen_at as session_seen'])
    .where('sessions.token_hash', '=', hashToken(token))
    .where('sessions.expires_at', '>', new Date())
    .where('users.disabled', '=', false)
    .executeTakeFirst();
  if (!row) return null;
  const { session_id, session_seen, ...user } = row;
  if (Date.now() - session_seen.getTime() > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: new Date() }).where('id', '=', session_id).execute();
  }
  return { user, sessionId: session_id };
}

export async function userForApiToken(db: Db, token: string): Promise<User | null> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('users')
    .select(['api_tokens.id as token_id', 'api_tokens.last_used_at'])
    .where('api_tokens.token_hash', '=', hashToken(token))
    .where('api_tokens.revoked_at', 'is', null)
    .where('users.disabled', '=', false)
    .executeTakeFirst();
  if (!row) return null;
  const { token_id, last_used_at, ...user } = row;
  if (!last_used_at || Date.now() - last_used_at.getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', token_id).execute();
  }
  return user;
}

export async function deleteSession(db: Db, sessionId: number): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Creates the default admin on a database without users; it must change its password at first login. */
export async function ensureDefaultAdmin(db: Db): Promise<boolean> {
  const passwordHash = await hashPassword(DEFAULT_ADMIN.password);
  const inserted = await db
    .insertInto('users')
    .values({
      login: DEFAULT_ADMIN.login,
      email: DEFAULT_ADMIN.email,
      name: 'Administrator',
      password_hash: passwordHash,
      role: 'admin',
      must_change_password: true,
    })
    .onConflict((oc) => oc.column('login').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}
