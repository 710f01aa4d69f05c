import { WEBHOOK_ERRORS, requireJsonBody } from '../webhook-http.js';
import { Type, type Static } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/types.js';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/database.js';
import type { Project } from '../../db/schema.js';
import { notFound, unauthorized } from '../../errors.js';
import { IdParam } from '../../http/schemas.js';
import { hashToken, safeEqual } from '../../secrets.js';
import { recordBuild, type BuildInput } from '../service.js';
import { isIgnored, type Ignored, type IntakeSource } from '../source.js';
import { storable } from '../storable.js';
import { fillMissing } from '../../builds/commit.js';
import { GITLAB_PIPELINE_STATUSES, jobCommit, jobInfo, pipelineBuildInput, type JobInfo } from './payload.js';

/**
 * GitLab sends many more fields than Polytene reads, and adds new ones between versions: the body is
 * an open object here, and payload.ts checks the fields that are used (400 naming any that is wrong).
 */
const WebhookBody = Type.Object(
  { object_kind: Type.Optional(Type.String()) },
  { additionalProperties: true, description: 'a GitLab webhook payload (Pipeline Hook, Job Hook, ...)' },
);
const WebhookResult = Type.Object({
  kind: Type.String(),
  ignored: Type.Optional(Type.String()),
  duplicate: Type.Optional(Type.Boolean()),
  build_id: Type.Optional(Type.Integer()),
  created: Type.Optional(Type.Boolean()),
  status: Type.Optional(Type.String()),
  deployment_id: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  job_id: Type.Optional(Type.Integer()),
});
type WebhookResult = Static<typeof WebhookResult>;

const HANDLED_EVENTS = new Set(['pipeline', 'build']);

/** What a GitLab delivery means: a pipeline as a build, a job of one (stored as a note), or ignored. */
type GitlabEvent = BuildInput | { job: JobInfo; payload: unknown } | (Ignored & { kind: string });

function deliveryKey(request: FastifyRequest): string | null {
  for (const header of ['idempotency-key', 'x-gitlab-event-uuid']) {
    const value = request.headers[header];
    if (typeof value === 'string' && value.trim()) return value.trim().slice(0, 200);
  }
  return null;
}

/** Records what a delivery means, in the webhook's transaction: a pipeline's build or a job's note. */
async function handleEvent(
  ctx: AppContext,
  trx: Db,
  project: Project,
  event: GitlabEvent,
): Promise<WebhookResult> {
  if (isIgnored(event)) return event;
  if ('job' in event) {
    const { job } = event;
    const values = {
      pipeline_id: job.pipeline_id ?? null,
      name: job.build_name,
      stage: job.build_stage ?? null,
      status: job.build_status,
      ref: job.ref,
      sha: job.sha,
      payload: JSON.stringify(event.payload),
      updated_at: new Date(),
    };
    await trx
      .insertInto('gitlab_job_events')
      .values({ project_id: project.id, job_id: job.build_id, ...values })
      .onConflict((oc) => oc.columns(['project_id', 'job_id']).doUpdateSet(values))
      .execute();
    if (job.pipeline_id != null) {
      // The pipeline's build, when GitLab reported it, learns what its Pipeline Hooks left out.
      await trx
        .updateTable('builds')
        .set(fillMissing(jobCommit(event.payload)))
        .where('project_id', '=', project.id)
        .where('source', '=', 'gitlab_pipeline')
        .where('external_id', '=', String(job.pipeline_id))
        .execute();
    }
    return { kind: 'job', job_id: job.build_id, status: job.build_status };
  }
  const recorded = await recordBuild(ctx, trx, project, event);
  return {
    kind: 'pipeline',
    build_id: recorded.build.id,
    created: recorded.created,
    status: recorded.build.status,
    deployment_id: recorded.deployment?.id ?? null,
  };
}

/**
 * `POST /api/v1/projects/:id/hooks/gitlab`: GitLab's project webhook. The token is checked before the
 * body is read; a delivery seen before (Idempotency-Key, else X-Gitlab-Event-UUID) answers what it
 * answered then without doing anything again. Work is one short transaction, well inside GitLab's 10 s.
 */
async function gitlabIntakeRoutes(app: App): Promise<void> {
  const { ctx } = app;

  app.post(
    '/api/v1/projects/:id/hooks/gitlab',
    {
      bodyLimit: ctx.config.webhookMaxBodyBytes,
      config: { nulCharacters: 'replace' },
      onRequest: async (request) => {
        await gitlabSource.authenticate(ctx, request);
        requireJsonBody(request, 'GitLab webhooks are sent as application/json');
      },
      schema: {
        tags: ['intake'],
        params: IdParam,
        body: WebhookBody,
        response: { 200: WebhookResult, ...WEBHOOK_ERRORS },
      },
    },
    async (request) => {
      const project = await gitlabSource.authenticate(ctx, request);
      const key = deliveryKey(request);
      const scope = `gitlab:${project.id}`;
      return ctx.db.transaction().execute(async (trx) => {
        if (key) {
          const claimed = await trx
            .insertInto('idempotency_keys')
            .values({ scope, key, response: '{}' })
            .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
            .returning('key')
            .executeTakeFirst();
          if (!claimed) {
            const stored = await trx
              .selectFrom('idempotency_keys')
              .select('response')
              .where('scope', '=', scope)
              .where('key', '=', key)
              .executeTakeFirstOrThrow();
            return { ...(stored.response as WebhookResult), duplicate: true };
          }
        }
        const result = await handleEvent(
          ctx,
          trx,
          project,
          gitlabSource.parse(storable(request.body), request),
        );
        if (key) {
          await trx
            .updateTable('idempotency_keys')
            .set({ response: JSON.stringify(result) })
            .where('scope', '=', scope)
            .where('key', '=', key)
            .execute();
        }
        return result;
      });
    },
  );
}

/**
 * The GitLab source: X-Gitlab-Token must be the project's webhook secret (compared in constant time),
 * checked before the body is read. Pipeline Hooks are builds, Job Hooks notes on them, others ignored.
 */
export const gitlabSource: IntakeSource<unknown, GitlabEvent> = {
  name: 'gitlab',
  statuses: GITLAB_PIPELINE_STATUSES,
  authenticate: async (ctx, request) => {
    const id = Number((request.params as { id?: string }).id);
    const project = Number.isSafeInteger(id)
      ? await ctx.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst()
      : undefined;
    const sent = request.headers['x-gitlab-token'];
    const token = typeof sent === 'string' ? sent : '';
    if (!project) throw notFound('project');
    if (!token || !safeEqual(hashToken(token), project.webhook_secret_hash)) {
      throw unauthorized('X-Gitlab-Token is missing or is not the project webhook secret');
    }
    return project;
  },
  parse: (body, request) => {
    const kind = (body as { object_kind?: string }).object_kind ?? '';
    if (!HANDLED_EVENTS.has(kind)) {
      const sent = request.headers['x-gitlab-event'];
      const event = typeof sent === 'string' ? sent : '';
      return {
        kind: kind || 'unknown',
        ignored: `${event || kind || 'this event'} is not used: Polytene deploys on pipeline events (enable "Pipeline events")`,
      };
    }
    if (kind === 'build') return { job: jobInfo(body), payload: body };
    return { ...pipelineBuildInput(body), actor: { id: null, login: 'gitlab', ip: null } };
  },
  routes: gitlabIntakeRoutes,
};
