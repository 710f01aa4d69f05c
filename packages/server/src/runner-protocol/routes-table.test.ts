import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_API_PREFIX, RUNNER_ROUTES } from '@polytene/protocol';
import { startTestServer, type TestServer } from '../test-support/server.js';

type Operation = { parameters?: unknown; requestBody?: unknown; responses?: unknown };
type Paths = Record<string, Record<string, Operation>>;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.app.ready();
});
afterAll(async () => server.close());

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** The OpenAPI paths of an app holding nothing but the table's routes, registered straight from it. */
async function pathsOfTheTable(): Promise<Paths> {
  const app = Fastify();
  await app.register(swagger, { openapi: { info: { title: 'table', version: '1' } } });
  for (const route of Object.values(RUNNER_ROUTES)) {
    app.route({
      method: route.method,
      url: route.path,
      schema: {
        ...('params' in route ? { params: route.params } : {}),
        body: route.body,
        response: route.response,
      },
      handler: async () => null,
    });
  }
  await app.ready();
  const paths = (app.swagger() as { paths: Paths }).paths;
  await app.close();
  return paths;
}

describe('RUNNER_ROUTES', () => {
  it('is what the server registers under the runner prefix: the same methods, paths and schemas', async () => {
    const served = (server.app.swagger() as { paths: Paths }).paths;
    const table = await pathsOfTheTable();
    const runnerPaths = (paths: Paths) =>
      Object.entries(paths)
        .filter(([path]) => path.startsWith(`${RUNNER_API_PREFIX}/`))
        .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
        .sort();
    expect(runnerPaths(served)).toEqual(runnerPaths(table));
    expect(runnerPaths(table)).toEqual(
      Object.values(RUNNER_ROUTES)
        .map((route) => `${route.method.toLowerCase()} ${openApiPath(route.path)}`)
        .sort(),
    );
    for (const route of Object.values(RUNNER_ROUTES)) {
      const path = openApiPath(route.path);
      const method = route.method.toLowerCase();
      const { parameters, requestBody, responses } = served[path]?.[method] ?? {};
      expect({ route: route.path, parameters, requestBody, responses }).toEqual({
        route: route.path,
        parameters: table[path]?.[method]?.parameters,
        requestBody: table[path]?.[method]?.requestBody,
        responses: table[path]?.[method]?.responses,
      });
    }
  });
});
