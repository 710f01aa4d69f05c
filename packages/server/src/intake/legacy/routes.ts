import { Type } from 'typebox';
import type { App } from '../../http/types.js';
import { notFound } from '../../errors.js';
import { ErrorResponse } from '../../http/schemas.js';
import { hashToken } from '../../secrets.js';
import { IntakeResult, recordIntake, type BuildInput } from '../service.js';
import type { IntakeSource } from '../source.js';
import { LEGACY_STATUSES, LegacyBuildBody, legacyBuildInput } from './payload.js';

const TokenParam = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });

/**
 * The seed's intake, kept for CI set up against it: `POST /api/v1/builds/:token/create` where the token is
 * the project's webhook secret. The same build id posted again updates that build.
 */
async function legacyIntakeRoutes(app: App): Promise<void> {
  const { ctx } = app;

  app.post(
    '/api/v1/builds/:token/create',
    {
      bodyLimit: ctx.config.webhookMaxBodyBytes,
      config: { nulCharacters: 'replace' },
      schema: {
        tags: ['intake'],
        params: TokenParam,
        body: LegacyBuildBody,
        response: { 200: IntakeResult, 201: IntakeResult, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const project = await legacySource.authenticate(ctx, request);
      const { status, result } = await recordIntake(ctx, project, legacySource, request);
      return reply.status(status).send(result);
    },
  );
}

/** The legacy source: the token in the URL is the project's webhook secret (404 for any other). */
export const legacySource: IntakeSource<LegacyBuildBody, BuildInput> = {
  name: 'legacy',
  statuses: LEGACY_STATUSES,
  authenticate: async (ctx, request) => {
    const { token } = request.params as { token: string };
    const project = await ctx.db
      .selectFrom('projects')
      .selectAll()
      .where('webhook_secret_hash', '=', hashToken(token))
      .executeTakeFirst();
    if (!project) throw notFound('project');
    return project;
  },
  parse: (body, request) => ({
    ...legacyBuildInput(body),
    actor: { id: null, login: 'ci', ip: request.ip },
  }),
  routes: legacyIntakeRoutes,
};
