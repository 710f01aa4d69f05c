import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfFailed, unauthorized } from '../errors.js';
import type { AppContext } from '../context.js';
import { safeEqual } from '../secrets.js';
import { API_TOKEN_PREFIX, CSRF_HEADER, SESSION_COOKIE, userForApiToken, userForSession } from './service.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers without looking up who is calling (no database query before the handler). */
    skipAuthentication?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const RUNNER_PATH = '/api/v1/runner/';

/**
 * Finds who is calling: a personal API token in `Authorization: Bearer`, or a session cookie. A session
 * (a browser) must also send the CSRF token on every unsafe method; a bearer token needs none.
 */
export function authenticate(ctx: AppContext) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    request.principal = null;
    if (!request.url.startsWith('/api/') || request.url.startsWith(RUNNER_PATH)) return;
    if (request.routeOptions.config.skipAuthentication) return;
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ') && header.slice(7).startsWith(`${API_TOKEN_PREFIX}_`)) {
      const user = await userForApiToken(ctx.db, header.slice(7).trim());
      if (!user) throw unauthorized('the API token is not valid');
      request.principal = { user, via: 'token' };
      return;
    }
    const sessionToken = request.cookies[SESSION_COOKIE];
    if (!sessionToken) return;
    const found = await userForSession(ctx.db, sessionToken);
    if (!found) return;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, csrfTokenFor(ctx, sessionToken))) {
        throw csrfFailed(CSRF_HEADER);
      }
    }
    request.principal = { user: found.user, via: 'session', sessionId: found.sessionId };
  };
}

/** The CSRF token is a keyed digest of the session token: nothing to store, nothing to forge. */
export function csrfTokenFor(ctx: AppContext, sessionToken: string): string {
  return ctx.secrets.mac(`csrf:${sessionToken}`);
}
