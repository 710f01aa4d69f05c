import { sql } from 'kysely';
import type { UserRole } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Invitation, User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { conflict, gone, notFound, upstreamFailed } from '../errors.js';
import { hashToken, newToken } from '../secrets.js';
import { checkedPasswordHash, insertAccount } from '../users/service.js';
import { sendMail } from '../notifications/transport.js';
import { INVITATION_TOKEN_PREFIX, invitationLink, invitationMail } from './mail.js';

const DAY_MS = 24 * 3600_000;

/** What the API and the audit show of an invitation: never its token or the token's hash. */
export function invitationView(invitation: Invitation, inviterLogin: string | null = null) {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    invited_by: invitation.invited_by,
    invited_by_login: inviterLogin,
    expires_at: invitation.expires_at.toISOString(),
    created_at: invitation.created_at.toISOString(),
  };
}

export interface CreatedInvitation {
  invitation: Invitation;
  /** The link with the token: shown once to the admin when no SMTP server is configured. */
  link: string;
  emailed: boolean;
}

/**
 * Invites `email` with `role`: stores the token's hash, audits, and emails the link when SMTP is
 * configured, inside the transaction, so a mail that could not be sent leaves no invitation behind.
 */
export async function createInvitation(
  ctx: AppContext,
  inviter: User,
  actor: Actor,
  input: { email: string; role: UserRole },
): Promise<CreatedInvitation> {
  const token = newToken(INVITATION_TOKEN_PREFIX);
  const link = invitationLink(ctx.publicUrl, token);
  const smtpUrl = ctx.config.smtpUrl;
  const invitation = await ctx.db.transaction().execute(async (trx) => {
    // Serialises invitations of one address, so two admins cannot both invite it at once.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`invitation:${input.email.toLowerCase()}`}))`.execute(
      trx,
    );
    const pending = await pendingQuery(trx)
      .select('invitations.id')
      .where(sql<string>`lower(email)`, '=', input.email.toLowerCase())
      .executeTakeFirst();
    if (pending) {
      throw conflict(
        'INVITATION_PENDING',
        `${input.email} has a pending invitation already; revoke it to invite again`,
        [{ field: 'email', message: 'has a pending invitation already' }],
      );
    }
    const row = await trx
      .insertInto('invitations')
      .values({
        email: input.email,
        role: input.role,
        token_hash: hashToken(token),
        invited_by: inviter.id,
        expires_at: new Date(Date.now() + ctx.config.invitationDays * DAY_MS),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'create',
      entityType: 'invitation',
      entityId: row.id,
      after: invitationView(row, inviter.login),
    });
    if (smtpUrl) {
      const mail = invitationMail(inviter.locale, {
        link,
        role: row.role,
        inviter,
        expiresAt: row.expires_at,
        publicUrl: ctx.publicUrl,
      });
      try {
        await sendMail({ smtpUrl, mailFrom: ctx.config.mailFrom }, row.email, mail);
      } catch {
        throw upstreamFailed(
          'MAIL_FAILED',
          `the invitation email to ${row.email} could not be sent (check POLYTENE_SMTP_URL); nothing was saved`,
        );
      }
    }
    return row;
  });
  return { invitation, link, emailed: smtpUrl !== undefined };
}

/** Invitations neither accepted, revoked nor expired. */
function pendingQuery(db: Db) {
  return db
    .selectFrom('invitations')
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date());
}

export async function listPendingInvitations(db: Db) {
  const rows = await pendingQuery(db)
    .leftJoin('users', 'users.id', 'invitations.invited_by')
    .selectAll('invitations')
    .select('users.login as inviter_login')
    .orderBy('invitations.created_at', 'desc')
    .orderBy('invitations.id', 'desc')
    .execute();
  return rows.map(({ inviter_login, ...row }) => invitationView(row, inviter_login));
}

export async function revokeInvitation(db: Db, actor: Actor, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) throw notFound('invitation');
    if (row.accepted_at !== null)
      throw conflict('CONFLICT', 'this invitation was already used; it cannot be revoked');
    const after = await trx
      .updateTable('invitations')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'revoke',
      entityType: 'invitation',
      entityId: id,
      before: invitationView(row),
      after: invitationView(after),
    });
  });
}

/** The invitation of a link, or the words for why it no longer works (404, or 410 with a code). */
function usable(row: Invitation | undefined): Invitation {
  if (!row) throw notFound('invitation');
  if (row.accepted_at !== null) throw gone('INVITATION_USED', 'this invitation was already used');
  if (row.revoked_at !== null) throw gone('INVITATION_REVOKED', 'this invitation was revoked');
  if (row.expires_at.getTime() <= Date.now()) throw gone('INVITATION_EXPIRED', 'this invitation has expired');
  return row;
}

function byToken(db: Db, token: string) {
  return db.selectFrom('invitations').selectAll().where('token_hash', '=', hashToken(token));
}

export async function invitationByToken(db: Db, token: string): Promise<Invitation> {
  return usable(await byToken(db, token).executeTakeFirst());
}

/**
 * Creates the invited person's account with the login and password they chose, and marks the invitation
 * used in the same transaction. The invitation row is locked, so of concurrent accepts exactly one
 * creates a user; the others find it used (410).
 */
export async function acceptInvitation(
  db: Db,
  token: string,
  input: { login: string; name?: string; password: string },
  ip: string | null,
): Promise<User> {
  await invitationByToken(db, token);
  const passwordHash = await checkedPasswordHash(input.password, input.login);
  const actor: Actor = { id: null, login: input.login, ip };
  return db.transaction().execute(async (trx) => {
    const invitation = usable(await byToken(trx, token).forUpdate().executeTakeFirst());
    const user = await insertAccount(
      trx,
      actor,
      { login: input.login, name: input.name, email: invitation.email, role: invitation.role },
      { passwordHash, mustChangePassword: false },
    );
    const after = await trx
      .updateTable('invitations')
      .set({ accepted_at: new Date(), accepted_user_id: user.id })
      .where('id', '=', invitation.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: { ...actor, id: user.id },
      action: 'accept',
      entityType: 'invitation',
      entityId: invitation.id,
      before: invitationView(invitation),
      after: { ...invitationView(after), accepted_user_id: user.id },
    });
    return user;
  });
}
