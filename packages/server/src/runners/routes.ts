import {
  CreateRunnerBody,
  CreatedRunner,
  RunnerList,
  RunnerTokenView,
  RunnerView,
  UpdateRunnerBody,
} from '@polytene/protocol';
import { Type } from 'typebox';
import type { App } from '../http/types.js';
import type { AppContext } from '../context.js';
import type { Runner, User } from '../db/schema.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { queueDeployKeysAfterRunnerChange } from '../forges/tasks.js';
import { toRunnerView } from './view.js';
import {
  createRunner,
  deleteRunner,
  linkedProjects,
  listRunners,
  loadRunner,
  regenerateRunnerToken,
  updateRunner,
} from './service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

async function viewsOf(ctx: AppContext, user: User, runners: Runner[]): Promise<RunnerView[]> {
  const ownerIds = [...new Set(runners.flatMap((r) => (r.owner_id === null ? [] : [r.owner_id])))];
  const owners =
    ownerIds.length === 0
      ? []
      : await ctx.db.selectFrom('users').select(['id', 'login']).where('id', 'in', ownerIds).execute();
  const logins = new Map(owners.map((o) => [o.id, o.login]));
  const projects = await linkedProjects(
    ctx.db,
    user,
    runners.map((r) => r.id),
  );
  return runners.map((runner) =>
    toRunnerView(runner, {
      ownerLogin: runner.owner_id === null ? null : (logins.get(runner.owner_id) ?? null),
      projects: projects.get(runner.id) ?? [],
      leaseSeconds: ctx.config.leaseSeconds,
    }),
  );
}

async function viewOf(ctx: AppContext, user: User, runner: Runner): Promise<RunnerView> {
  const [view] = await viewsOf(ctx, user, [runner]);
  if (!view) throw new Error('a view for one runner is always built');
  return view;
}

/** Runner administration (not the runner protocol): register, pause, share, remove, new token. */
export async function runnerRoutes(app: App): Promise<void> {
  const { ctx } = app;

  app.get(
    '/api/v1/runners',
    {
      schema: {
        tags: ['runners'],
        response: { 200: RunnerList, ...errors },
      },
    },
    async (request) => {
      const user = requireUser(request);
      return { runners: await viewsOf(ctx, user, await listRunners(ctx.db, user)) };
    },
  );

  app.post(
    '/api/v1/runners',
    { schema: { tags: ['runners'], body: CreateRunnerBody, response: { 201: CreatedRunner, ...errors } } },
    async (request, reply) => {
      const user = requireUser(request);
      const { runner, token } = await createRunner(ctx.db, actorOf(request), user, request.body);
      return reply.status(201).send({ ...(await viewOf(ctx, user, runner)), token });
    },
  );

  app.get(
    '/api/v1/runners/:id',
    { schema: { tags: ['runners'], params: IdParam, response: { 200: RunnerView, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      return viewOf(ctx, user, await loadRunner(ctx.db, user, request.params.id));
    },
  );

  app.patch(
    '/api/v1/runners/:id',
    {
      schema: {
        tags: ['runners'],
        params: IdParam,
        body: UpdateRunnerBody,
        response: { 200: RunnerView, ...errors },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const runner = await updateRunner(
        ctx.db,
        actorOf(request),
        user,
        request.params.id,
        request.body,
        (trx, before, after) => queueDeployKeysAfterRunnerChange(ctx, trx, before, after),
      );
      return viewOf(ctx, user, runner);
    },
  );

  app.delete(
    '/api/v1/runners/:id',
    { schema: { tags: ['runners'], params: IdParam, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const user = requireUser(request);
      await deleteRunner(ctx.db, actorOf(request), user, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/runners/:id/token',
    {
      schema: {
        tags: ['runners'],
        params: IdParam,
        response: { 200: RunnerTokenView, ...errors },
      },
    },
    async (request) => {
      const user = requireUser(request);
      return { token: await regenerateRunnerToken(ctx.db, actorOf(request), user, request.params.id) };
    },
  );
}
