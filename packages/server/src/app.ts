import Fastify, { type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { NotificationWebhookBody } from '@polytene/protocol';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from './context.js';
import type { App } from './http/types.js';
import { errorHandler } from './http/errors.js';
import { apiDocsCsp, helmetOptions } from './security-headers.js';
import { validatorCompiler } from './http/validator.js';
import { nulCharacterHook } from './http/nul-characters.js';
import { authenticate } from './auth/hook.js';
import { healthRoutes } from './health/routes.js';
import { authRoutes } from './auth/routes.js';
import { userRoutes } from './users/routes.js';
import { invitationRoutes } from './invitations/routes.js';
import { notificationHookRoutes } from './notifications/routes.js';
import { auditRoutes } from './audit/routes.js';
import { runnerRoutes } from './runners/routes.js';
import { projectRoutes } from './projects/routes.js';
import { branchRoutes } from './branches/routes.js';
import { environmentRoutes } from './environments/routes.js';
import { environmentHoldRoutes } from './environments/hold-routes.js';
import { freezeRoutes } from './freeze/routes.js';
import { buildRoutes } from './builds/routes.js';
import { deploymentRoutes } from './deployments/routes.js';
import { exportRoutes } from './exports/routes.js';
import { logRoutes } from './logs/routes.js';
import { INTAKE_SOURCES } from './intake/sources.js';
import { allForges } from './forges/forge.js';
import { runnerProtocolRoutes } from './runner-protocol/routes.js';
import { eventRoutes } from './events/routes.js';
import { listEventRoutes } from './events/list-routes.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { doraRoutes } from './dora/routes.js';
import { downloadRoutes } from './downloads/routes.js';
import { registerTasks } from './jobs/tasks.js';
import { webRoutes } from './http/web.js';
import { metricsRoutes } from './metrics/routes.js';

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
}

/** Builds the whole HTTP app without listening: tests call `inject()`, main.ts calls `listen()`. */
export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<App> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: ctx.config.maxBodyBytes,
    trustProxy: ctx.config.trustProxy,
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('ctx', ctx);
  app.decorateRequest('principal', null);
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(errorHandler);

  await app.register(helmet, helmetOptions(ctx.publicUrl));
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Polytene API', version: '1' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        // What a `webhook` notification hook receives (architecture.md §9); no route answers with it.
        schemas: { NotificationWebhookBody },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    transformStaticCSP: apiDocsCsp(ctx.publicUrl),
  });

  app.addHook('onRequest', authenticate(ctx));
  app.addHook('preValidation', nulCharacterHook);
  metricsRoutes(app);

  for (const routes of [
    healthRoutes,
    authRoutes,
    userRoutes,
    invitationRoutes,
    auditRoutes,
    runnerRoutes,
    projectRoutes,
    branchRoutes,
    environmentRoutes,
    environmentHoldRoutes,
    freezeRoutes,
    buildRoutes,
    deploymentRoutes,
    notificationHookRoutes,
    exportRoutes,
    logRoutes,
    ...INTAKE_SOURCES.map((source) => source.routes),
    ...allForges().map((forge) => forge.routes),
    runnerProtocolRoutes,
    eventRoutes,
    listEventRoutes,
    dashboardRoutes,
    doraRoutes,
    downloadRoutes,
  ]) {
    await app.register(routes);
  }
  await webRoutes(app);
  registerTasks(ctx);
  return app;
}
