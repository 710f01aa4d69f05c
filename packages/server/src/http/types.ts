import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FieldProblem } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { User } from '../db/schema.js';

/** The Fastify instance every feature's routes receive. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface Principal {
  user: User;
  via: 'session' | 'token';
  sessionId?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
  interface FastifyRequest {
    principal: Principal | null;
    rawBody?: Buffer;
  }
  interface FastifyContextConfig {
    /**
     * The checks a route makes beyond its schema, run also when the body fails the schema so that one
     * answer names every problem; `body` is as sent (only its fields of the right type are checked).
     */
    fieldChecks?: (body: unknown) => FieldProblem[];
  }
}
