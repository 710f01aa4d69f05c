import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionView } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { User } from '../db/schema.js';
import { recordAudit } from '../audit/service.js';
import { toUserView } from '../users/view.js';
import { csrfTokenFor } from './hook.js';
import { CSRF_COOKIE, SESSION_COOKIE, createSession } from './service.js';

/**
 * Logs `user` in on this browser: a new session, audited as `login`, its token in an HttpOnly cookie and
 * the CSRF token beside it (architecture.md §3). Answers the session view.
 */
export async function startBrowserSession(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  user: User,
): Promise<SessionView> {
  const { db, config } = ctx;
  const session = await createSession(db, user.id, config.sessionHours, {
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  });
  await recordAudit(db, {
    actor: { id: user.id, login: user.login, ip: request.ip },
    action: 'login',
    entityType: 'session',
    entityId: session.id,
  });
  const secure = ctx.publicUrl.startsWith('https://');
  const maxAge = config.sessionHours * 3600;
  const csrf = csrfTokenFor(ctx, session.token);
  const cookie = { path: '/', sameSite: 'strict', secure, maxAge } as const;
  void reply.setCookie(SESSION_COOKIE, session.token, { ...cookie, httpOnly: true });
  void reply.setCookie(CSRF_COOKIE, csrf, { ...cookie, httpOnly: false });
  return { user: toUserView(user), must_change_password: user.must_change_password, csrf_token: csrf };
}
