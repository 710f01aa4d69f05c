import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/types.js';
import type { Project } from '../../db/schema.js';
import { actorOf, requireUser } from '../../auth/guard.js';
import { notFound, unauthorized } from '../../errors.js';
import { keepRawJsonBody } from '../raw-body.js';
import { ErrorResponse, IdParam } from '../../http/schemas.js';
import { loadProject } from '../../projects/access.js';
import { IntakeResult, recordIntake, type BuildInput } from '../service.js';
import type { IntakeSource } from '../source.js';
import { GENERIC_STATUSES, GenericBuildBody, genericBuildInput } from './payload.js';
import { SIGNATURE_HEADER, hasValidSignature } from './signature.js';

/**
 * Generic intake: any CI posts a build. Authenticated by a personal API token of a user who may deploy
 * the project, or by `X-Polytene-Signature: sha256=<hex HMAC-SHA256 of the raw body keyed with the
 * project's webhook secret>`.
 */
async function genericIntakeRoutes(app: App): Promise<void> {
  const { ctx } = app;
  const projects = new WeakMap<FastifyRequest, Project>();

  // Only in this plugin's scope: keep the raw bytes, which the signature covers.
  keepRawJsonBody(app);

  app.post(
    '/api/v1/projects/:id/builds',
    {
      bodyLimit: ctx.config.webhookMaxBodyBytes,
      config: { nulCharacters: 'replace' },
      schema: {
        tags: ['intake'],
        params: IdParam,
        body: GenericBuildBody,
        response: {
          200: IntakeResult,
          201: IntakeResult,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
      // Who is calling is settled before the body is looked at.
      preValidation: async (request) => {
        projects.set(request, await genericSource.authenticate(ctx, request));
      },
    },
    async (request, reply) => {
      const project = projects.get(request);
      if (!project) throw unauthorized();
      const { status, result } = await recordIntake(ctx, project, genericSource, request);
      return reply.status(status).send(result);
    },
  );
}

/**
 * The generic source: a personal API token of a user who may deploy the project, else the signature of
 * the raw body. Settled before the body is looked at (preValidation), so a stranger learns nothing of it.
 */
export const genericSource: IntakeSource<GenericBuildBody, BuildInput> = {
  name: 'generic',
  statuses: GENERIC_STATUSES,
  authenticate: async (ctx, request) => {
    // Params are validated after this hook: read the id as the route schema would.
    const projectId = Number((request.params as { id: unknown }).id);
    if (!Number.isSafeInteger(projectId) || projectId < 1) throw notFound('project');
    if (request.principal) return loadProject(ctx.db, requireUser(request), projectId, 'deploy');
    const signature = request.headers[SIGNATURE_HEADER];
    if (typeof signature !== 'string')
      throw unauthorized(`send an API token or the ${SIGNATURE_HEADER} header`);
    const project = await ctx.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', projectId)
      .executeTakeFirst();
    if (!project) throw notFound('project');
    const secret = ctx.secrets.decrypt(project.webhook_secret_encrypted);
    if (!hasValidSignature(secret, request.rawBody ?? Buffer.alloc(0), signature))
      throw unauthorized('the signature does not match the body');
    return project;
  },
  parse: (body, request) => ({
    ...genericBuildInput(body),
    actor: request.principal ? actorOf(request) : { id: null, login: 'ci', ip: request.ip },
  }),
  routes: genericIntakeRoutes,
};
