import { Type } from 'typebox';
import {
  BuildDeploymentStatusSchema,
  BuildDetail,
  BuildList,
  CiStatusSchema,
  DeployBody,
  DeploymentView,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam, Pagination } from '../http/schemas.js';
import { notFound, validationFailed } from '../errors.js';
import { NEEDS, loadProject } from '../projects/access.js';
import { queueDeployment } from '../deployments/service.js';
import { deploymentRows, deploymentViews, loadDeploymentView } from '../deployments/view.js';
import { loadBuild } from './access.js';
import { checkMayDeploy } from '../environments/protection.js';
import { buildRows, deploymentStatusOfBuild, toBuildView } from './view.js';
import { paginate } from '../http/paginate.js';

const ListQuery = Type.Intersect([
  Pagination,
  Type.Object({
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    status: Type.Optional(CiStatusSchema),
    deployment_status: Type.Optional(BuildDeploymentStatusSchema),
  }),
]);

export async function buildRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  app.get(
    '/api/v1/projects/:id/builds',
    {
      schema: {
        tags: ['builds'],
        params: IdParam,
        querystring: ListQuery,
        response: { 200: BuildList, 404: ErrorResponse },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const project = await loadProject(db, user, request.params.id, 'view');
      const { page = 1, per_page = 20, branch, status, deployment_status } = request.query;
      let query = buildRows(db).where('builds.project_id', '=', project.id);
      if (branch !== undefined) query = query.where('builds.ref', '=', branch);
      if (status !== undefined) query = query.where('builds.status', '=', status);
      if (deployment_status !== undefined)
        query = query.where(deploymentStatusOfBuild, '=', deployment_status);
      const { rows, total } = await paginate(query.orderBy('builds.id', 'desc'), page, per_page);
      return { builds: rows.map(toBuildView), total, page, per_page };
    },
  );

  app.get(
    '/api/v1/builds/:id',
    { schema: { tags: ['builds'], params: IdParam, response: { 200: BuildDetail, 404: ErrorResponse } } },
    async (request) => {
      const user = requireUser(request);
      const { build } = await loadBuild(db, user, request.params.id, 'view');
      const [row, deployments] = await Promise.all([
        buildRows(db).where('builds.id', '=', build.id).executeTakeFirstOrThrow(),
        deploymentRows(db)
          .where('deployments.build_id', '=', build.id)
          .orderBy('deployments.id', 'desc')
          .execute(),
      ]);
      return {
        ...toBuildView(row),
        payload: row.payload,
        deployments: await deploymentViews(app.ctx, deployments),
      };
    },
  );

  app.post(
    '/api/v1/builds/:id/deployments',
    {
      schema: {
        tags: ['builds'],
        params: IdParam,
        body: DeployBody,
        response: { 201: DeploymentView, 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
      // A deploy with no options may come without a body.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { build, project } = await loadBuild(db, user, request.params.id, NEEDS.deploy);
      const config = build.is_tag
        ? undefined
        : await db
            .selectFrom('branch_configs')
            .selectAll()
            .where('project_id', '=', build.project_id)
            .where('branch_name', '=', build.ref)
            .executeTakeFirst();
      if (!config) {
        const message = `branch ${build.ref} has no deployment configuration`;
        throw validationFailed([{ field: 'build', message }]);
      }
      await checkMayDeploy(db, user, project, request.body.environment ?? config.environment);
      const deployment = await db
        .transaction()
        .execute((trx) =>
          queueDeployment(
            app.ctx,
            trx,
            build,
            config,
            'user',
            actorOf(request),
            request.body.environment ?? config.environment,
          ),
        );
      const view = await loadDeploymentView(app.ctx, deployment.id);
      if (!view) throw notFound('deployment');
      return reply.status(201).send(view);
    },
  );
}
