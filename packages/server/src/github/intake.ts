import { Type, type Static } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/types.js';
import type { Project } from '../db/schema.js';
import { notFound, unauthorized } from '../errors.js';
import { IdParam } from '../http/schemas.js';
import { hasValidSignature } from '../intake/generic/signature.js';
import { keepRawJsonBody } from '../intake/raw-body.js';
import { WEBHOOK_ERRORS, requireJsonBody } from '../intake/webhook-http.js';
import { recordBuild, type BuildInput } from '../intake/service.js';
import { isIgnored, type Ignored, type IntakeSource } from '../intake/source.js';
import { storable } from '../intake/storable.js';
import { GITHUB_CONCLUSIONS, workflowRunBuildInput } from './payload.js';
import { resolveTagRun } from './tags.js';

export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';

/** GitHub sends far more than Polytene reads, and adds fields over time: an open object (payload.ts reads it). */
const WebhookBody = Type.Object(
  {},
  { additionalProperties: true, description: 'a GitHub webhook payload (workflow_run, ping, ...)' },
);
const WebhookResult = Type.Object({
  event: Type.String(),
  ignored: Type.Optional(Type.String()),
  zen: Type.Optional(Type.String()),
  build_id: Type.Optional(Type.Integer()),
  created: Type.Optional(Type.Boolean()),
  status: Type.Optional(Type.String()),
  deployment_id: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  is_tag: Type.Optional(Type.Boolean()),
  note: Type.Optional(Type.String()),
});
type WebhookResult = Static<typeof WebhookResult>;

/** What a delivery means: a completed run as a build, a ping answered, or ignored. */
type GithubEvent = BuildInput | { ping: string } | (Ignored & { event: string });

function eventOf(request: FastifyRequest): string {
  const sent = request.headers['x-github-event'];
  return typeof sent === 'string' ? sent : '';
}

/**
 * `POST /api/v1/projects/:id/hooks/github`: a GitHub repository webhook (content type application/json,
 * the project's webhook secret as its secret, "Workflow runs" events). The signature of the raw body is
 * checked before the body is looked at; a redelivery updates the build it recorded (same run attempt).
 */
async function githubIntakeRoutes(app: App): Promise<void> {
  const { ctx } = app;
  const projects = new WeakMap<FastifyRequest, Project>();
  keepRawJsonBody(app);

  app.post(
    '/api/v1/projects/:id/hooks/github',
    {
      bodyLimit: ctx.config.webhookMaxBodyBytes,
      config: { nulCharacters: 'replace' },
      onRequest: async (request) => {
        requireJsonBody(request, 'set the GitHub webhook content type to application/json');
      },
      preValidation: async (request) => {
        projects.set(request, await githubSource.authenticate(ctx, request));
      },
      schema: {
        tags: ['intake'],
        params: IdParam,
        body: WebhookBody,
        response: { 200: WebhookResult, ...WEBHOOK_ERRORS },
      },
    },
    async (request): Promise<WebhookResult> => {
      const project = projects.get(request);
      if (!project) throw unauthorized();
      const event = githubSource.parse(storable(request.body), request);
      if ('ping' in event) return { event: 'ping', zen: event.ping };
      if (isIgnored(event)) return event;
      // A tag push's run carries the tag in head_branch: asked of GitHub before the transaction.
      const { input, note } = await resolveTagRun(ctx, project, event);
      if (note) request.log.warn({ project_id: project.id, ref: input.ref }, note);
      const recorded = await ctx.db.transaction().execute((trx) => recordBuild(ctx, trx, project, input));
      return {
        event: 'workflow_run',
        build_id: recorded.build.id,
        created: recorded.created,
        status: recorded.build.status,
        deployment_id: recorded.deployment?.id ?? null,
        is_tag: recorded.build.is_tag,
        ...(note ? { note } : {}),
      };
    },
  );
}

/**
 * The GitHub Actions source: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed with the
 * project's webhook secret>` (GitHub's "Validating webhook deliveries"), compared in constant time.
 * Completed workflow runs are builds; ping is answered; every other event is ignored with a note.
 */
export const githubSource: IntakeSource<unknown, GithubEvent> = {
  name: 'github',
  statuses: GITHUB_CONCLUSIONS,
  authenticate: async (ctx, request) => {
    const id = Number((request.params as { id?: string }).id);
    const project = Number.isSafeInteger(id)
      ? await ctx.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst()
      : undefined;
    if (!project) throw notFound('project');
    const signature = request.headers[GITHUB_SIGNATURE_HEADER];
    if (typeof signature !== 'string' || !signature) {
      throw unauthorized(
        'X-Hub-Signature-256 is missing: set the project webhook secret as the GitHub webhook secret',
      );
    }
    const secret = ctx.secrets.decrypt(project.webhook_secret_encrypted);
    if (!hasValidSignature(secret, request.rawBody ?? Buffer.alloc(0), signature)) {
      throw unauthorized(
        'X-Hub-Signature-256 does not match the body signed with the project webhook secret',
      );
    }
    return project;
  },
  parse: (body, request) => {
    const event = eventOf(request);
    if (event === 'ping') {
      const zen = (body as { zen?: unknown }).zen;
      return { ping: typeof zen === 'string' ? zen : 'pong' };
    }
    if (event !== 'workflow_run') {
      return {
        event: event || 'unknown',
        ignored: `${event || 'this event'} is not used: Polytene records builds from "Workflow runs" events`,
      };
    }
    const parsed = workflowRunBuildInput(body);
    return isIgnored(parsed) ? { event, ...parsed } : parsed;
  },
  routes: githubIntakeRoutes,
};
