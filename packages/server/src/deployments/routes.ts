import { Type } from 'typebox';
import {
  ApprovalBody,
  DeploymentFilters,
  DeploymentList,
  DeploymentView,
  NOT_STARTED_STATUSES,
} from '@polytene/protocol';

export { DeploymentFilters };
import type { Db } from '../db/database.js';
import type { User } from '../db/schema.js';
import type { App } from '../http/types.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam, Pagination } from '../http/schemas.js';
import { invalidValue, notFound } from '../errors.js';
import { visibleTo } from '../projects/access.js';
import { loadDeployment } from './access.js';
import { NEEDS } from '../projects/access.js';
import { cancelDeployment } from './service.js';
import { checkMayDeploy } from '../environments/protection.js';
import { canApprove, decideApproval } from './approvals.js';
import { deploymentRows, deploymentViews, loadDeploymentView } from './view.js';
import { paginate } from '../http/paginate.js';

const ListQuery = Type.Intersect([Pagination, DeploymentFilters]);

/** The rules the schema cannot say: a date range that ends before it starts is a 400. */
export function checkDeploymentFilters(filters: DeploymentFilters): void {
  if (
    filters.from !== undefined &&
    filters.to !== undefined &&
    Date.parse(filters.from) > Date.parse(filters.to)
  )
    throw invalidValue('to', 'must not be before from');
}

/** The deployments `user` may see, filtered as the list is. */
export function filteredDeployments(db: Db, user: User, filters: DeploymentFilters) {
  checkDeploymentFilters(filters);
  let query = deploymentRows(db).where(visibleTo(user));
  if (filters.project_id !== undefined)
    query = query.where('deployments.project_id', '=', filters.project_id);
  if (filters.status !== undefined) query = query.where('deployments.status', '=', filters.status);
  if (filters.waiting) query = query.where('deployments.status', 'in', NOT_STARTED_STATUSES);
  if (filters.environment !== undefined)
    query = query.where('deployments.environment', '=', filters.environment);
  if (filters.environment_id !== undefined)
    query = query.where('deployments.environment_id', '=', filters.environment_id);
  if (filters.triggered_by === 'auto') query = query.where('deployments.trigger', '=', 'auto');
  else if (filters.triggered_by !== undefined)
    query = query.where('deployments.triggered_by', '=', filters.triggered_by);
  if (filters.from !== undefined) query = query.where('deployments.queued_at', '>=', new Date(filters.from));
  if (filters.to !== undefined) query = query.where('deployments.queued_at', '<', new Date(filters.to));
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
      const { deployment, project } = await loadDeployment(db, user, request.params.id, 'view');
      const view = await loadDeploymentView(app.ctx, request.params.id);
      if (!view) throw notFound('deployment');
      return { ...view, can_approve: await canApprove(db, user, project, deployment) };
    },
  );

  app.post(
    '/api/v1/deployments/:id/approvals',
    {
      schema: {
        tags: ['deployments'],
        summary: 'Approve or reject a deployment awaiting approval',
        params: IdParam,
        body: ApprovalBody,
        response: {
          200: DeploymentView,
          400: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { project } = await loadDeployment(db, user, request.params.id, 'view');
      const deployment = await db
        .transaction()
        .execute((trx) =>
          decideApproval(app.ctx, trx, user, actorOf(request), project, request.params.id, request.body),
        );
      const view = await loadDeploymentView(app.ctx, request.params.id);
      if (!view) throw notFound('deployment');
      return { ...view, can_approve: await canApprove(db, user, project, deployment) };
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
      const { deployment, project } = await loadDeployment(db, user, request.params.id, NEEDS.deploy);
      // Stopping a deployment to a protected environment is for those who may deploy there.
      await checkMayDeploy(db, user, project, deployment.environment);
      await db
        .transaction()
        .execute((trx) => cancelDeployment(app.ctx, trx, request.params.id, actorOf(request)));
      const view = await loadDeploymentView(app.ctx, request.params.id);
      if (!view) throw notFound('deployment');
      return view;
    },
  );
}
