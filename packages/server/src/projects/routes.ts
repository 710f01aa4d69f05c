import { Type } from 'typebox';
import {
  AddMemberBody,
  CreateProjectBody,
  MemberList,
  MemberRoleBody,
  MemberView,
  ProjectList,
  ProjectView,
  UpdateProjectBody,
} from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam, Pagination } from '../http/schemas.js';
import { stringFields } from '../http/problems.js';
import { loadProject } from './access.js';
import {
  addMember,
  addMemberByLogin,
  listMembers,
  removeMember,
  setMemberRole,
  type Member,
} from './members.js';
import {
  createProject,
  deleteProject,
  listProjects,
  projectView,
  projectFieldProblems,
  projectViews,
  regenerateWebhookSecret,
  updateProject,
} from './service.js';

const ListQuery = Type.Object(
  {
    ...Pagination.properties,
    q: Type.Optional(Type.String({ maxLength: 200, description: 'part of the name' })),
  },
  { additionalProperties: false },
);
const MemberParams = Type.Object({
  id: IdParam.properties.id,
  user_id: IdParam.properties.id,
});
/** The checks beyond the schema, also on a body that failed it: one answer names every problem. */
const config = {
  fieldChecks: (body: unknown) =>
    projectFieldProblems(stringFields(body, ['clone_url', 'default_branch'] as const)),
};
const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
};
const memberErrors = { ...errors, 409: ErrorResponse };

const memberView = (m: Member): MemberView => ({
  user: m.user,
  role: m.role,
  created_at: m.created_at.toISOString(),
});

/** Projects: what Polytene deploys, who may see and change it, and its webhook secret. */
export async function projectRoutes(app: App): Promise<void> {
  const { ctx } = app;

  app.get(
    '/api/v1/projects',
    { schema: { tags: ['projects'], querystring: ListQuery, response: { 200: ProjectList, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      const page = request.query.page ?? 1;
      const perPage = request.query.per_page ?? 20;
      const { projects, total } = await listProjects(ctx.db, user, { q: request.query.q, page, perPage });
      return { projects: await projectViews(ctx, user, projects), total, page, per_page: perPage };
    },
  );

  app.post(
    '/api/v1/projects',
    {
      schema: { tags: ['projects'], body: CreateProjectBody, response: { 201: ProjectView, ...errors } },
      config,
    },
    async (request, reply) => {
      const user = requireUser(request);
      const project = await createProject(ctx, actorOf(request), user, request.body);
      return reply.status(201).send(await projectView(ctx, user, project));
    },
  );

  app.get(
    '/api/v1/projects/:id',
    { schema: { tags: ['projects'], params: IdParam, response: { 200: ProjectView, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      return projectView(ctx, user, await loadProject(ctx.db, user, request.params.id, 'view'));
    },
  );

  app.patch(
    '/api/v1/projects/:id',
    {
      schema: {
        tags: ['projects'],
        params: IdParam,
        body: UpdateProjectBody,
        response: { 200: ProjectView, ...errors },
      },
      config,
    },
    async (request) => {
      const user = requireUser(request);
      const project = await updateProject(ctx, actorOf(request), user, request.params.id, request.body);
      return projectView(ctx, user, project);
    },
  );

  app.delete(
    '/api/v1/projects/:id',
    { schema: { tags: ['projects'], params: IdParam, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      const user = requireUser(request);
      await deleteProject(ctx, actorOf(request), user, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/projects/:id/webhook-secret',
    { schema: { tags: ['projects'], params: IdParam, response: { 200: ProjectView, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      const project = await regenerateWebhookSecret(ctx, actorOf(request), user, request.params.id);
      return projectView(ctx, user, project);
    },
  );

  app.get(
    '/api/v1/projects/:id/members',
    {
      schema: {
        tags: ['projects'],
        params: IdParam,
        response: { 200: MemberList, ...errors },
      },
    },
    async (request) => {
      const user = requireUser(request);
      return { members: (await listMembers(ctx.db, user, request.params.id)).map(memberView) };
    },
  );

  app.post(
    '/api/v1/projects/:id/members',
    {
      schema: {
        tags: ['projects'],
        description: 'Adds a user by login; 409 when they are a member already or own the project.',
        params: IdParam,
        body: AddMemberBody,
        response: { 201: MemberView, ...memberErrors },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { login, role } = request.body;
      const member = await addMemberByLogin(ctx.db, actorOf(request), user, request.params.id, login, role);
      return reply.status(201).send(memberView(member));
    },
  );

  app.patch(
    '/api/v1/projects/:id/members/:user_id',
    {
      schema: {
        tags: ['projects'],
        params: MemberParams,
        body: MemberRoleBody,
        response: { 200: MemberView, ...memberErrors },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const { id, user_id } = request.params;
      return memberView(await setMemberRole(ctx.db, actorOf(request), user, id, user_id, request.body.role));
    },
  );

  app.put(
    '/api/v1/projects/:id/members/:user_id',
    {
      schema: {
        tags: ['projects'],
        description: 'Adds a user by id as a deployer; one who is a member already stays as they are.',
        params: MemberParams,
        response: { 200: MemberView, 201: MemberView, ...memberErrors },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const { member, added } = await addMember(
        ctx.db,
        actorOf(request),
        user,
        request.params.id,
        request.params.user_id,
      );
      return reply.status(added ? 201 : 200).send(memberView(member));
    },
  );

  app.delete(
    '/api/v1/projects/:id/members/:user_id',
    { schema: { tags: ['projects'], params: MemberParams, response: { 204: Type.Null(), ...memberErrors } } },
    async (request, reply) => {
      const user = requireUser(request);
      await removeMember(ctx.db, actorOf(request), user, request.params.id, request.params.user_id);
      return reply.status(204).send(null);
    },
  );
}
