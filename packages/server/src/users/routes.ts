import { Type } from 'typebox';
import { CreateUserBody, UpdateProfileBody, UpdateUserBody, UserList, UserView } from '@polytene/protocol';
import type { App } from '../http/types.js';
import { actorOf, requireAdmin, requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam, Pagination } from '../http/schemas.js';
import { toUserView } from './view.js';
import { createUser, getUser, listUsers, updateUser } from './service.js';

const ListQuery = Type.Object(
  {
    ...Pagination.properties,
    q: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/** User accounts: administrators manage everyone; each user edits their own profile. */
export async function userRoutes(app: App): Promise<void> {
  const { db } = app.ctx;

  app.get(
    '/api/v1/users',
    { schema: { tags: ['users'], querystring: ListQuery, response: { 200: UserList, ...errors } } },
    async (request) => {
      requireAdmin(request);
      const page = request.query.page ?? 1;
      const perPage = request.query.per_page ?? 20;
      const { users, total } = await listUsers(db, { q: request.query.q, page, perPage });
      return { users: users.map(toUserView), total, page, per_page: perPage };
    },
  );

  app.post(
    '/api/v1/users',
    {
      schema: {
        tags: ['users'],
        body: CreateUserBody,
        response: { 201: UserView, 409: ErrorResponse, ...errors },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const user = await createUser(db, actorOf(request), request.body);
      return reply.status(201).send(toUserView(user));
    },
  );

  app.get(
    '/api/v1/users/:id',
    { schema: { tags: ['users'], params: IdParam, response: { 200: UserView, ...errors } } },
    async (request) => {
      const caller = requireUser(request);
      if (caller.id !== request.params.id) requireAdmin(request);
      return toUserView(await getUser(db, request.params.id));
    },
  );

  app.patch(
    '/api/v1/users/:id',
    {
      schema: {
        tags: ['users'],
        params: IdParam,
        body: UpdateUserBody,
        response: { 200: UserView, ...errors },
      },
    },
    async (request) => {
      requireAdmin(request);
      return toUserView(await updateUser(db, actorOf(request), request.params.id, request.body));
    },
  );

  app.patch(
    '/api/v1/user',
    { schema: { tags: ['user'], body: UpdateProfileBody, response: { 200: UserView, ...errors } } },
    async (request) => {
      const user = requireUser(request);
      return toUserView(await updateUser(db, actorOf(request), user.id, request.body));
    },
  );
}
