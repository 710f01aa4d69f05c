import { Type } from 'typebox';
import {
  BranchConfigList,
  BranchConfigView,
  CreateBranchConfigBody,
  UpdateBranchConfigBody,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import type { BranchConfig } from '../db/schema.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { CHANGE_ERRORS, IdParam } from '../http/schemas.js';
import { stringFields, variableKeysOf } from '../http/problems.js';
import {
  branchFieldProblems,
  createBranchConfig,
  deleteBranchConfig,
  getBranchConfig,
  listBranchConfigs,
  updateBranchConfig,
} from './service.js';
import { variableViews } from './variables.js';

function toView(config: BranchConfig): BranchConfigView {
  return {
    id: config.id,
    project_id: config.project_id,
    branch_name: config.branch_name,
    deployment_type: config.deployment_type,
    deployment_script: config.deployment_script,
    environment: config.environment,
    artifacts_dir: config.artifacts_dir,
    notification_emails: config.notification_emails,
    failed_build_can_be_auto_deployed: config.failed_build_can_be_auto_deployed,
    timeout_seconds: config.timeout_seconds,
    variables: variableViews(config.variables),
    created_at: config.created_at.toISOString(),
    updated_at: config.updated_at.toISOString(),
  };
}

/** The checks beyond the schema, also on a body that failed it: one answer names every problem. */
const config = {
  fieldChecks: (body: unknown) =>
    branchFieldProblems({
      ...stringFields(body, ['branch_name', 'environment', 'artifacts_dir'] as const),
      variables: variableKeysOf(body),
    }),
};

const BranchParams = Type.Object({ id: IdParam.properties.id, branch_id: IdParam.properties.id });
const errors = CHANGE_ERRORS;

/** Branch configs: how each branch of a project deploys. Reading needs view, changing manage. */
export async function branchRoutes(app: App): Promise<void> {
  const { ctx } = app;
  const base = '/api/v1/projects/:id/branches';

  app.get(
    base,
    {
      schema: {
        tags: ['branches'],
        params: IdParam,
        response: { 200: BranchConfigList, ...errors },
      },
    },
    async (request) => {
      const user = requireUser(request);
      return { branches: (await listBranchConfigs(ctx.db, user, request.params.id)).map(toView) };
    },
  );

  app.post(
    base,
    {
      schema: {
        tags: ['branches'],
        params: IdParam,
        body: CreateBranchConfigBody,
        response: { 201: BranchConfigView, ...errors },
      },
      config,
    },
    async (request, reply) => {
      const user = requireUser(request);
      const config = await createBranchConfig(ctx, actorOf(request), user, request.params.id, request.body);
      return reply.status(201).send(toView(config));
    },
  );

  app.get(
    `${base}/:branch_id`,
    { schema: { tags: ['branches'], params: BranchParams, response: { 200: BranchConfigView, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      return toView(await getBranchConfig(ctx.db, user, request.params.id, request.params.branch_id));
    },
  );

  app.patch(
    `${base}/:branch_id`,
    {
      schema: {
        tags: ['branches'],
        params: BranchParams,
        body: UpdateBranchConfigBody,
        response: { 200: BranchConfigView, ...errors },
      },
      config,
    },
    async (request) => {
      const user = requireUser(request);
      const { id, branch_id } = request.params;
      return toView(await updateBranchConfig(ctx, actorOf(request), user, id, branch_id, request.body));
    },
  );

  app.delete(
    `${base}/:branch_id`,
    { schema: { tags: ['branches'], params: BranchParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const user = requireUser(request);
      await deleteBranchConfig(ctx.db, actorOf(request), user, request.params.id, request.params.branch_id);
      return reply.status(204).send(null);
    },
  );
}
