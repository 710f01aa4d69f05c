import { Type } from 'typebox';
import { DeploymentList, DeploymentStatusSchema, DeploymentView } from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam, Pagination } from '../http/schemas.js';
import { notFound } from '../errors.js';
import { visibleTo } from '../projects/access.js';
import { loadDeployment } from './access.js';
import { NEEDS } from '../projects/access.js';
import { cancelDeployment } from './service.js';
import { deploymentRows, loadDeploymentView, toDeploymentView } from './view.js';
import { paginate } from '../http/paginate.js';

const ListQuery = Type.Intersect([
  Pagination,
  Type.Object({
    project_id: Type.Optional(Type.Integer({ minimum: 1 })),
    status: Type.Optional(DeploymentStatusSchema),
    environment: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  }),
]);

export async function deploymentRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  app.get(
    '/api/v1/deployments',
    { schema: { tags: ['deployments'], querystring: ListQuery, response: { 200: DeploymentList } } },
    async (request) => {
      const user = requireUser(request);
      const { page = 1, per_page = 20, project_id, status, environment } = request.query;
      let query = deploymentRows(db).where(visibleTo(user));
      if (project_id !== undefined) query = query.where('deployments.project_id', '=', project_id);
      if (status !== undefined) query = query.where('deployments.status', '=', status);
      if (environment !== undefined) query = query.where('deployments.environment', '=', environment);
      const { rows, total } = await paginate(query.orderBy('deployments.id', 'desc'), page, per_page);
      return { deployments: rows.map(toDeploymentView), total, page, per_page };
    },
  );

  app.get(
    '/api/v1/deployments/:id',
    {
      schema: {
        tags: ['deployments'],
        params: IdParam,
        response: { 200: DeploymentView, 404: ErrorResponse },
      },
    },
    async (request) => {
      const user = requireUser(request);
      await loadDeployment(db, user, request.params.id, 'view');
      const view = await loadDeploymentView(db, request.params.id);
      if (!view) throw notFound('deployment');
      return view;
    },
  );

  app.post(
    '/api/v1/deployments/:id/cancel',
    {
      schema: {
        tags: ['deployments'],
        params: IdParam,
        response: { 200: DeploymentView, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (request) => {
      const user = requireUser(request);
      await loadDeployment(db, user, request.params.id, NEEDS.deploy);
      await db
        .transaction()
        .execute((trx) => cancelDeployment(app.ctx, trx, request.params.id, actorOf(request)));
      const view = await loadDeploymentView(db, request.params.id);
      if (!view) throw notFound('deployment');
      return view;
    },
  );
}
