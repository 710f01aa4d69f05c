import { Type } from 'typebox';
import {
  CreateTokenBody,
  CreatedToken,
  LoginBody,
  PasswordChangeBody,
  SessionView,
  TokenList,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { recordAudit } from '../audit/service.js';
import { actorOf, requireUser } from './guard.js';
import { invalidCredentials, invalidValue, notFound, validationFailed } from '../errors.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { hashToken, newToken } from '../secrets.js';
import { csrfTokenFor } from './hook.js';
import { startBrowserSession } from './browser-session.js';
import { API_TOKEN_PREFIX, CSRF_COOKIE, SESSION_COOKIE, checkCredentials, deleteSession } from './service.js';
import { toUserView } from '../users/view.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';

export async function authRoutes(app: App): Promise<void> {
  const { db, config } = app.ctx;

  app.post(
    '/api/v1/session',
    {
      schema: { tags: ['session'], body: LoginBody, response: { 200: SessionView, 401: ErrorResponse } },
      config: { rateLimit: { max: config.loginRateLimitPerMinute, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const { login, password } = request.body;
      const user = await checkCredentials(db, login, password);
      if (!user || user.disabled) {
        await recordAudit(db, {
          actor: { id: null, login, ip: request.ip },
          action: 'login_failed',
          entityType: 'session',
        });
        throw invalidCredentials();
      }
      return startBrowserSession(app.ctx, request, reply, user);
    },
  );

  app.delete(
    '/api/v1/session',
    { schema: { tags: ['session'], response: { 204: Type.Null() } } },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.sessionId) {
        await deleteSession(db, principal.sessionId);
        await recordAudit(db, {
          actor: actorOf(request),
          action: 'logout',
          entityType: 'session',
          entityId: principal.sessionId,
        });
      }
      void reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get('/api/v1/user', { schema: { tags: ['user'], response: { 200: SessionView } } }, async (request) => {
    const user = requireUser(request, { allowPending: true });
    const sessionToken = request.cookies[SESSION_COOKIE];
    return {
      user: toUserView(user),
      must_change_password: user.must_change_password,
      csrf_token: sessionToken ? csrfTokenFor(app.ctx, sessionToken) : '',
    };
  });

  app.post(
    '/api/v1/user/password',
    { schema: { tags: ['user'], body: PasswordChangeBody, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const user = requireUser(request, { allowPending: true });
      const { current_password, new_password } = request.body;
      if (!(await verifyPassword(user.password_hash, current_password))) {
        throw validationFailed(
          [{ field: 'current_password', message: 'is wrong' }],
          'current_password is wrong',
        );
      }
      const problem = passwordProblem(new_password, user.login);
      if (problem) throw invalidValue('new_password', problem);
      if (new_password === current_password) {
        throw validationFailed(
          [{ field: 'new_password', message: 'must differ from the current one' }],
          'new_password must differ from the current one',
        );
      }
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({
            password_hash: await hashPassword(new_password),
            must_change_password: false,
            updated_at: new Date(),
          })
          .where('id', '=', user.id)
          .execute();
        // Other sessions of this user end; the current one stays.
        let others = trx.deleteFrom('sessions').where('user_id', '=', user.id);
        if (request.principal?.sessionId) others = others.where('id', '!=', request.principal.sessionId);
        await others.execute();
        await recordAudit(trx, {
          actor: actorOf(request),
          action: 'password_change',
          entityType: 'user',
          entityId: user.id,
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/user/tokens',
    { schema: { tags: ['user'], response: { 200: TokenList } } },
    async (request) => {
      const user = requireUser(request);
      const rows = await db
        .selectFrom('api_tokens')
        .select(['id', 'name', 'token_prefix', 'created_at', 'last_used_at'])
        .where('user_id', '=', user.id)
        .where('revoked_at', 'is', null)
        .orderBy('id', 'desc')
        .execute();
      return {
        tokens: rows.map((r) => ({
          id: r.id,
          name: r.name,
          prefix: r.token_prefix,
          created_at: r.created_at.toISOString(),
          last_used_at: r.last_used_at?.toISOString() ?? null,
        })),
      };
    },
  );

  app.post(
    '/api/v1/user/tokens',
    {
      schema: {
        tags: ['user'],
        body: CreateTokenBody,
        response: { 201: CreatedToken },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const token = newToken(API_TOKEN_PREFIX);
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('api_tokens')
          .values({
            user_id: user.id,
            name: request.body.name,
            token_hash: hashToken(token),
            token_prefix: token.slice(0, 7),
          })
          .returning(['id', 'name'])
          .executeTakeFirstOrThrow();
        await recordAudit(trx, {
          actor: actorOf(request),
          action: 'create',
          entityType: 'api_token',
          entityId: inserted.id,
          after: inserted,
        });
        return inserted;
      });
      return reply.status(201).send({ id: row.id, name: row.name, token });
    },
  );

  app.delete(
    '/api/v1/user/tokens/:id',
    { schema: { tags: ['user'], params: IdParam, response: { 204: Type.Null() } } },
    async (request, reply) => {
      const user = requireUser(request);
      const revoked = await db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('api_tokens')
          .set({ revoked_at: new Date() })
          .where('id', '=', request.params.id)
          .where('user_id', '=', user.id)
          .where('revoked_at', 'is', null)
          .returning(['id', 'name'])
          .executeTakeFirst();
        if (row)
          await recordAudit(trx, {
            actor: actorOf(request),
            action: 'revoke',
            entityType: 'api_token',
            entityId: row.id,
            before: row,
          });
        return row;
      });
      if (!revoked) throw notFound('token');
      return reply.status(204).send(null);
    },
  );
}
