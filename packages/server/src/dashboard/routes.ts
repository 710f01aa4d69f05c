import { Type } from 'typebox';
import { DashboardView, DeploymentStats } from '@polytene/protocol';
import type { App } from '../http/types.js';
import { requireUser } from '../auth/guard.js';
import { visibleTo } from '../projects/access.js';
import { deploymentsPerDay } from './service.js';
import { dashboardMatrix } from './matrix.js';

const StatsQuery = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 30 })),
});

export async function dashboardRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  app.get(
    '/api/v1/dashboard',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'Every project the caller sees × its environments in pipeline order: live, last, waiting',
        response: { 200: DashboardView },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const scope = db.selectFrom('projects').select('projects.id').where(visibleTo(user));
      return dashboardMatrix(app.ctx, scope);
    },
  );

  app.get(
    '/api/v1/stats/deployments',
    {
      schema: {
        tags: ['dashboard'],
        summary: 'The caller’s own deployments (the ones they started) per day, in projects they see',
        querystring: StatsQuery,
        response: { 200: DeploymentStats },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const scope = db.selectFrom('projects').select('projects.id').where(visibleTo(user));
      return { days: await deploymentsPerDay(db, scope, request.query.days ?? 30, user.id) };
    },
  );

  app.get(
    '/api/v1/public/stats/deployments',
    { schema: { tags: ['dashboard'], querystring: StatsQuery, response: { 200: DeploymentStats } } },
    async (request) => {
      const scope = db.selectFrom('projects').select('projects.id').where('projects.public', '=', true);
      return { days: await deploymentsPerDay(db, scope, request.query.days ?? 30) };
    },
  );
}
