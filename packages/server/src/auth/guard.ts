import type { FastifyRequest } from 'fastify';
import { forbidden, passwordChangeRequired, unauthorized } from '../errors.js';
import type { User } from '../db/schema.js';
import type { Actor } from '../audit/service.js';

/** The signed-in user, or 401. Until a forced password change is done, only `allowPending` routes work. */
export function requireUser(request: FastifyRequest, options: { allowPending?: boolean } = {}): User {
  const principal = request.principal;
  if (!principal) throw unauthorized();
  if (principal.user.must_change_password && !options.allowPending) {
    throw passwordChangeRequired();
  }
  return principal.user;
}

export function requireAdmin(request: FastifyRequest): User {
  const user = requireUser(request);
  if (user.role !== 'admin') throw forbidden('only an administrator may do this');
  return user;
}

export function actorOf(request: FastifyRequest): Actor {
  const user = request.principal?.user;
  return { id: user?.id ?? null, login: user?.login ?? null, ip: request.ip };
}
