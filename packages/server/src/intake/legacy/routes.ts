import { Type } from 'typebox';
import type { App } from '../../http/types.js';
import { notFound } from '../../errors.js';
import { ErrorResponse } from '../../http/schemas.js';
import { hashToken } from '../../secrets.js';
import { IntakeResult, intakeResult, recordBuild } from '../service.js';
import { storable } from '../storable.js';
import { LegacyBuildBody, legacyBuildInput } from './payload.js';

const TokenParam = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });

/**
 * The seed's intake, kept for CI set up against it: `POST /api/v1/builds/:token/create` where the token is
 * the project's webhook secret. The same build id posted again updates that build.
 */
export async function legacyIntakeRoutes(app: App): Promise<void> {
  const { db, config } = app.ctx;

  app.post(
    '/api/v1/builds/:token/create',
    {
      bodyLimit: config.webhookMaxBodyBytes,
      config: { nulCharacters: 'replace' },
      schema: {
        tags: ['intake'],
        params: TokenParam,
        body: LegacyBuildBody,
        response: { 200: IntakeResult, 201: IntakeResult, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const project = await db
        .selectFrom('projects')
        .selectAll()
        .where('webhook_secret_hash', '=', hashToken(request.params.token))
        .executeTakeFirst();
      if (!project) throw notFound('project');
      const input = {
        ...legacyBuildInput(storable(request.body)),
        actor: { id: null, login: 'ci', ip: request.ip },
      };
      const recorded = await db.transaction().execute((trx) => recordBuild(app.ctx, trx, project, input));
      return reply.status(recorded.created ? 201 : 200).send(await intakeResult(db, recorded));
    },
  );
}
