import {
  JOB_REQUEST_MAX_WAIT_MS,
  MAX_LOG_BATCH_BYTES,
  RUNNER_ROUTES,
  type RunnerRouteName,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { forbidden } from '../errors.js';
import { authenticateJob, authenticateRunner, touchRunner } from './auth.js';
import { sayHello } from './hello.js';
import { waitForJob } from './long-poll.js';
import { ingestLogBatch } from './log-ingest.js';
import { updateJob } from './job-update.js';

type Entry<N extends RunnerRouteName> = (typeof RUNNER_ROUTES)[N];
type ParamsOf<N extends RunnerRouteName> = Entry<N> extends { params: infer P } ? { params: P } : object;

/**
 * Method, path and schemas of route `name` for `app.route`, exactly as its RUNNER_ROUTES entry says
 * (routes.test.ts checks the registered routes against the table).
 */
function fromTable<N extends RunnerRouteName>(name: N, description?: string) {
  const route: Entry<N> = RUNNER_ROUTES[name];
  const params = ('params' in route ? { params: route.params } : {}) as ParamsOf<N>;
  return {
    method: route.method as Entry<N>['method'],
    url: route.path as Entry<N>['path'],
    schema: {
      tags: ['runner'],
      security: [{ bearer: [] }],
      ...(description ? { description } : {}),
      ...params,
      body: route.body as Entry<N>['body'],
      response: route.response as Entry<N>['response'],
    },
  };
}

/**
 * The runner protocol (architecture.md §5): hello, long-poll for a job, ship log lines, report the job's
 * end.
 */
export async function runnerProtocolRoutes(app: App): Promise<void> {
  const { ctx } = app;
  const polls = new Set<AbortController>();
  app.addHook('preClose', async () => {
    for (const poll of polls) poll.abort();
  });

  app.route({
    ...fromTable('hello'),
    handler: async (request) => {
      const runner = await authenticateRunner(ctx.db, request);
      return sayHello(ctx, runner, request.body, request.ip);
    },
  });

  app.route({
    ...fromTable(
      'requestJob',
      `Long poll (up to ${JOB_REQUEST_MAX_WAIT_MS} ms): 201 with a job, or 204 when none came.`,
    ),
    preValidation: async (request) => {
      request.body ??= {};
    },
    handler: async (request, reply) => {
      const runner = await authenticateRunner(ctx.db, request);
      if (!runner.active) throw forbidden('this runner is paused');
      await touchRunner(ctx.db, runner.id);
      const poll = new AbortController();
      const onClose = () => poll.abort();
      reply.raw.once('close', onClose);
      polls.add(poll);
      try {
        const job = await waitForJob(
          ctx,
          runner,
          request.ip,
          request.body.wait_ms ?? JOB_REQUEST_MAX_WAIT_MS,
          poll.signal,
        );
        if (!job) return reply.status(204).send(null);
        return reply.status(201).send(job);
      } finally {
        polls.delete(poll);
        reply.raw.off('close', onClose);
      }
    },
  });

  app.route({
    ...fromTable('sendLog'),
    bodyLimit: MAX_LOG_BATCH_BYTES,
    // Script output is whatever the script printed: a NUL is stored as U+FFFD (http/nul-characters.ts).
    config: { nulCharacters: 'replace' },
    handler: async (request) => {
      const caller = await authenticateJob(ctx.db, request, request.params.id);
      return ingestLogBatch(ctx, caller.deploymentId, request.body.lines);
    },
  });

  app.route({
    ...fromTable('updateJob'),
    handler: async (request) => {
      const caller = await authenticateJob(ctx.db, request, request.params.id);
      await touchRunner(ctx.db, caller.runner.id);
      return updateJob(ctx, caller.runner, caller.deploymentId, request.body, request.ip);
    },
  });
}
