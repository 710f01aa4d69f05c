import { Type, type Static } from 'typebox';
import { DeploymentList, DeploymentStatusSchema, DeploymentView } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { User } from '../db/schema.js';
import type { App } from '../http/types.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam, Pagination } from '../http/schemas.js';
import { notFound } from '../errors.js';
import { visibleTo } from '../projects/access.js';
import { loadDeployment } from './access.js';
import { NEEDS } from '../projects/access.js';
import { cancelDeployment } from './service.js';
import { deploymentRows, deploymentViews, loadDeploymentView } from './view.js';
import { paginate } from '../http/paginate.js';

/** The filters of the deployments list, also taken by its export (exports/routes.ts). */
export const DeploymentFilters = Type.Object({
  project_id: Type.Optional(Type.Integer({ minimum: 1 })),
  status: Type.Optional(DeploymentStatusSchema),
  environment: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
});
const ListQuery = Type.Intersect([Pagination, DeploymentFilters]);

/** The deployments `user` may see, filtered as the list is. */
export function filteredDeployments(db: Db, user: User, filters: Static<typeof DeploymentFilters>) {
  let query = deploymentRows(db).where(visibleTo(user));
  if (filters.project_id !== undefined)
    query = query.where('deployments.project_id', '=', filters.project_id);
  if (filters.status !== undefined) query = query.where('deployments.status', '=', filters.status);
  if (filters.environment !== undefined)
    query = query.where('deployments.environment', '=', filters.environment);
  return query;
}

export async function deploymentRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  app.get(
    '/api/v1/deployments',
    { schema: { tags: ['deployments'], querystring: ListQuery, response: { 200: DeploymentList } } },
    async (request) => {
      const user = requireUser(request);
      const { page = 1, per_page = 20 } = request.query;
      const query = filteredDeployments(db, user, request.query);
      const { rows, total } = await paginate(query.orderBy('deployments.id', 'desc'), page, per_page);
      return { deployments: await deploymentViews(app.ctx, rows), total, page, per_page };
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
      const view = await loadDeploymentView(app.ctx, request.params.id);
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
      const view = await loadDeploymentView(app.ctx, request.params.id);
      if (!view) throw notFound('deployment');
      return view;
    },
  );
}
