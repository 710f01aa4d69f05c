import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/types.js';
import type { Project } from '../../db/schema.js';
import { actorOf, requireUser } from '../../auth/guard.js';
import { invalidJson, notFound, unauthorized } from '../../errors.js';
import { DateTime, ErrorResponse, IdParam } from '../../http/schemas.js';
import { loadProject } from '../../projects/access.js';
import { CiStatusSchema } from '../../builds/view.js';
import { IntakeResult, intakeResult, parseCiTime, recordBuild } from '../service.js';
import { storable } from '../storable.js';
import { SIGNATURE_HEADER, hasValidSignature } from './signature.js';

const GenericBuildBody = Type.Object(
  {
    ref: Type.String({ minLength: 1, maxLength: 300, description: 'branch or tag; refs/heads/… accepted' }),
    sha: Type.String({ maxLength: 64 }),
    status: CiStatusSchema,
    external_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "the CI's id of this build; later calls with it update the same build",
      }),
    ),
    is_tag: Type.Optional(Type.Boolean()),
    before_sha: Type.Optional(Type.String({ maxLength: 64 })),
    started_at: Type.Optional(DateTime),
    finished_at: Type.Optional(DateTime),
    payload: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  // A CI script may send more than these; what Polytene does not read is ignored (architecture.md §7).
  { additionalProperties: true },
);

/**
 * Generic intake: any CI posts a build. Authenticated by a personal API token of a user who may deploy
 * the project, or by `X-Polytene-Signature: sha256=<hex HMAC-SHA256 of the raw body keyed with the
 * project's webhook secret>`.
 */
export async function genericIntakeRoutes(app: App): Promise<void> {
  const { db, secrets, config } = app.ctx;
  const projects = new WeakMap<FastifyRequest, Project>();

  // Only in this plugin's scope: keep the raw bytes, which the signature covers.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    try {
      done(null, JSON.parse(raw.toString('utf8')) as unknown);
    } catch {
      done(invalidJson(), undefined);
    }
  });

  app.post(
    '/api/v1/projects/:id/builds',
    {
      bodyLimit: config.webhookMaxBodyBytes,
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
        // Params are validated after this hook: read the id as the route schema would.
        const projectId = Number((request.params as { id: unknown }).id);
        if (!Number.isSafeInteger(projectId) || projectId < 1) throw notFound('project');
        if (request.principal) {
          projects.set(request, await loadProject(db, requireUser(request), projectId, 'deploy'));
          return;
        }
        const signature = request.headers[SIGNATURE_HEADER];
        if (typeof signature !== 'string')
          throw unauthorized(`send an API token or the ${SIGNATURE_HEADER} header`);
        const project = await db
          .selectFrom('projects')
          .selectAll()
          .where('id', '=', projectId)
          .executeTakeFirst();
        if (!project) throw notFound('project');
        const secret = secrets.decrypt(project.webhook_secret_encrypted);
        if (!hasValidSignature(secret, request.rawBody ?? Buffer.alloc(0), signature))
          throw unauthorized('the signature does not match the body');
        projects.set(request, project);
      },
    },
    async (request, reply) => {
      const project = projects.get(request);
      if (!project) throw unauthorized();
      const body = storable(request.body);
      const recorded = await db.transaction().execute((trx) =>
        recordBuild(app.ctx, trx, project, {
          source: 'generic',
          external_id: body.external_id ?? null,
          status: body.status,
          ref: body.ref,
          is_tag: body.is_tag ?? false,
          sha: body.sha,
          before_sha: body.before_sha ?? null,
          started_at: parseCiTime('started_at', body.started_at),
          finished_at: parseCiTime('finished_at', body.finished_at),
          payload: body.payload,
          actor: request.principal ? actorOf(request) : { id: null, login: 'ci', ip: request.ip },
        }),
      );
      return reply.status(recorded.created ? 201 : 200).send(await intakeResult(db, recorded));
    },
  );
}
