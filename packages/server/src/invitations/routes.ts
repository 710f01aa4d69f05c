import { Type } from 'typebox';
import {
  CreatedInvitation,
  InvitationLink,
  InvitationList,
  SessionView,
  AcceptInvitationBody,
  CreateInvitationBody,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireAdmin } from '../auth/guard.js';
import { startBrowserSession } from '../auth/browser-session.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import {
  acceptInvitation,
  createInvitation,
  invitationByToken,
  invitationView,
  listPendingInvitations,
  revokeInvitation,
} from './service.js';

const TokenParam = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const gone = { 404: ErrorResponse, 410: ErrorResponse };

/**
 * Invitations by email (architecture.md §4): admins invite, list and revoke; the link's two routes are
 * public, since the person has no account yet. The token travels only in the path of those two.
 */
export async function invitationRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  app.post(
    '/api/v1/invitations',
    {
      schema: {
        tags: ['invitations'],
        body: CreateInvitationBody,
        response: { 201: CreatedInvitation, 409: ErrorResponse, 502: ErrorResponse, ...errors },
      },
    },
    async (request, reply) => {
      const admin = requireAdmin(request);
      const created = await createInvitation(app.ctx, admin, actorOf(request), request.body);
      return reply.status(201).send({
        invitation: invitationView(created.invitation, admin.login),
        emailed: created.emailed,
        ...(created.emailed ? {} : { link: created.link }),
      });
    },
  );

  app.get(
    '/api/v1/invitations',
    {
      schema: {
        tags: ['invitations'],
        response: { 200: InvitationList, ...errors },
      },
    },
    async (request) => {
      requireAdmin(request);
      return { invitations: await listPendingInvitations(db) };
    },
  );

  app.delete(
    '/api/v1/invitations/:id',
    {
      schema: {
        tags: ['invitations'],
        params: IdParam,
        response: { 204: Type.Null(), 409: ErrorResponse, ...errors },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      await revokeInvitation(db, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/invitations/by-token/:token',
    { schema: { tags: ['invitations'], params: TokenParam, response: { 200: InvitationLink, ...gone } } },
    async (request) => {
      const invitation = await invitationByToken(db, request.params.token);
      return {
        email: invitation.email,
        role: invitation.role,
        expires_at: invitation.expires_at.toISOString(),
      };
    },
  );

  app.post(
    '/api/v1/invitations/by-token/:token/accept',
    {
      schema: {
        tags: ['invitations'],
        params: TokenParam,
        body: AcceptInvitationBody,
        response: { 201: SessionView, 409: ErrorResponse, 422: ErrorResponse, ...gone },
      },
      config: { rateLimit: { max: app.ctx.config.loginRateLimitPerMinute, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const user = await acceptInvitation(db, request.params.token, request.body, request.ip);
      const session = await startBrowserSession(app.ctx, request, reply, user);
      return reply.status(201).send(session);
    },
  );
}
