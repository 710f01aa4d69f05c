import { Type } from 'typebox';
import {
  HelloRequest,
  HelloResponse,
  Job,
  JOB_REQUEST_MAX_WAIT_MS,
  JobRequest,
  JobUpdate,
  JobUpdateResponse,
  LogBatch,
  LogBatchResponse,
  MAX_LOG_BATCH_BYTES,
  RUNNER_API_PREFIX,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { forbidden } from '../errors.js';
import { authenticateJob, authenticateRunner, touchRunner } from './auth.js';
import { sayHello } from './hello.js';
import { waitForJob } from './long-poll.js';
import { ingestLogBatch } from './log-ingest.js';
import { updateJob } from './job-update.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const security = [{ bearer: [] }];

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

  app.post(
    `${RUNNER_API_PREFIX}/hello`,
    {
      schema: {
        tags: ['runner'],
        security,
        body: HelloRequest,
        response: { 200: HelloResponse, ...errors },
      },
    },
    async (request) => {
      const runner = await authenticateRunner(ctx.db, request);
      return sayHello(ctx, runner, request.body, request.ip);
    },
  );

  app.post(
    `${RUNNER_API_PREFIX}/jobs/request`,
    {
      schema: {
        tags: ['runner'],
        security,
        description: `Long poll (up to ${JOB_REQUEST_MAX_WAIT_MS} ms): 201 with a job, or 204 when none came.`,
        body: JobRequest,
        response: { 201: Job, 204: Type.Null({ description: 'no job within the wait' }), ...errors },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
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
  );

  app.post(
    `${RUNNER_API_PREFIX}/jobs/:id/log`,
    {
      bodyLimit: MAX_LOG_BATCH_BYTES,
      // Script output is whatever the script printed: a NUL is stored as U+FFFD (http/nul-characters.ts).
      config: { nulCharacters: 'replace' },
      schema: {
        tags: ['runner'],
        security,
        params: IdParam,
        body: LogBatch,
        response: { 200: LogBatchResponse, 409: ErrorResponse, 413: ErrorResponse, ...errors },
      },
    },
    async (request) => {
      const caller = await authenticateJob(ctx.db, request, request.params.id);
      return ingestLogBatch(ctx, caller.deploymentId, request.body.lines);
    },
  );

  app.put(
    `${RUNNER_API_PREFIX}/jobs/:id`,
    {
      schema: {
        tags: ['runner'],
        security,
        params: IdParam,
        body: JobUpdate,
        response: { 200: JobUpdateResponse, 409: ErrorResponse, ...errors },
      },
    },
    async (request) => {
      const caller = await authenticateJob(ctx.db, request, request.params.id);
      await touchRunner(ctx.db, caller.runner.id);
      return updateJob(ctx, caller.runner, caller.deploymentId, request.body, request.ip);
    },
  );
}
