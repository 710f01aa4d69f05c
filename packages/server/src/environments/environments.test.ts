import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  insertUser,
  login,
  signedInUser,
  TEST_PASSWORD,
  useTestServer,
  type SessionHeaders,
} from '../test-support/server.js';
import {
  auditEvents,
  insertBranchConfig,
  insertBuild,
  insertMember,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import type { Project, StoredVariable } from '../db/schema.js';
import { withOverrides } from '../runner-protocol/job.js';

const server = useTestServer();
let owner: SessionHeaders;
let viewer: SessionHeaders;
let stranger: SessionHeaders;
let project: Project;

beforeAll(async () => {
  await adminSession(server);
  const alice = await signedInUser(server, { login: 'env-alice' });
  owner = alice.session;
  const bob = await insertUser(server, { login: 'env-bob' });
  viewer = await login(server, 'env-bob', TEST_PASSWORD);
  ({ session: stranger } = await signedInUser(server, { login: 'env-carol' }));
  ({ project } = await insertProject(server, { owner_id: alice.user.id }));
  await insertMember(server, project, bob);
  await server.ctx.db
    .updateTable('project_members')
    .set({ role: 'viewer' })
    .where('user_id', '=', bob.id)
    .execute();
});

const listUrl = () => `/api/v1/projects/${project.id}/environments`;

function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  headers: SessionHeaders,
  payload?: object,
) {
  return server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

describe('environments', () => {
  it('lists the environments branch configs name, in pipeline order, created on first use', async () => {
    await insertBranchConfig(server, {
      project_id: project.id,
      branch_name: 'main',
      environment: 'production',
    });
    await insertBranchConfig(server, { project_id: project.id, branch_name: 'develop', environment: 'qa' });
    const res = await call('GET', listUrl(), viewer);
    expect(res.statusCode).toBe(200);
    expect(res.json().environments.map((e: { name: string }) => e.name)).toEqual(['qa', 'production']);
  });

  it('creates one with its URL, variables (secret hidden) and targets, and audits it', async () => {
    const res = await call('POST', listUrl(), owner, {
      name: 'staging',
      position: 45,
      url: 'https://staging.example.test',
      variables: [
        { key: 'APP_ENV', value: 'staging' },
        { key: 'TOKEN', value: 'a-long-enough-secret-value', secret: true },
      ],
      targets: [{ name: 'web1', address: '10.0.0.5', groups: ['web'], variables: { port: 8080 } }],
    });
    expect(res.statusCode).toBe(201);
    const env = res.json();
    expect(env).toMatchObject({ name: 'staging', position: 45, url: 'https://staging.example.test' });
    expect(env.variables).toEqual([
      { key: 'APP_ENV', value: 'staging', secret: false },
      { key: 'TOKEN', value: null, secret: true },
    ]);
    expect(env.targets[0]).toEqual({
      name: 'web1',
      address: '10.0.0.5',
      groups: ['web'],
      variables: { port: 8080 },
    });
    const [event] = await auditEvents(server, {
      action: 'create',
      entity_type: 'environment',
      entity_id: String(env.id),
    });
    expect(JSON.stringify(event)).not.toContain('a-long-enough-secret-value');
    const listed = await call('GET', listUrl(), owner);
    expect(listed.json().environments.map((e: { name: string }) => e.name)).toEqual([
      'qa',
      'staging',
      'production',
    ]);
  });

  it('refuses a taken name (409), a bad name or URL (400 naming both), and a viewer (403)', async () => {
    expect((await call('POST', listUrl(), owner, { name: 'qa' })).statusCode).toBe(409);
    const bad = await call('POST', listUrl(), owner, { name: 'a b', url: 'ftp://x' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .error.details.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['name', 'url']);
    expect((await call('POST', listUrl(), viewer, { name: 'demo' })).statusCode).toBe(403);
    expect((await call('GET', listUrl(), stranger)).statusCode).toBe(404);
  });

  it('renames an environment everywhere: its branch configs and deployments show the new name', async () => {
    const config = await insertBranchConfig(server, {
      project_id: project.id,
      branch_name: 'rel',
      environment: 'uat',
    });
    const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
    const deployment = await insertQueuedDeployment(server, build, config);
    const res = await call('PATCH', `/api/v1/environments/${deployment.environment_id}`, owner, {
      name: 'acceptance',
    });
    expect(res.statusCode).toBe(200);
    const branch = await call('GET', `/api/v1/projects/${project.id}/branches/${config.id}`, owner);
    expect(branch.json().environment).toBe('acceptance');
    const shown = await call('GET', `/api/v1/deployments/${deployment.id}`, owner);
    expect(shown.json().environment).toBe('acceptance');
  });

  it('refuses to delete an environment a branch deploys to, deletes it once none does', async () => {
    const config = await insertBranchConfig(server, {
      project_id: project.id,
      branch_name: 'tmp',
      environment: 'scratch',
    });
    const refused = await call('DELETE', `/api/v1/environments/${config.environment_id}`, owner);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain('branch tmp deploys to scratch');
    await call('DELETE', `/api/v1/projects/${project.id}/branches/${config.id}`, owner);
    expect((await call('DELETE', `/api/v1/environments/${config.environment_id}`, viewer)).statusCode).toBe(
      403,
    );
    expect((await call('DELETE', `/api/v1/environments/${config.environment_id}`, owner)).statusCode).toBe(
      204,
    );
    expect((await call('GET', `/api/v1/environments/${config.environment_id}`, owner)).statusCode).toBe(404);
  });
});

describe('environment variables', () => {
  it("override the branch's of the same key and add their own", () => {
    const branch: StoredVariable[] = [
      { key: 'A', secret: false, value: 'branch' },
      { key: 'B', secret: false, value: 'branch' },
    ];
    const env: StoredVariable[] = [
      { key: 'B', secret: false, value: 'env' },
      { key: 'C', secret: true, encrypted: 'x' },
    ];
    expect(withOverrides(branch, env).map((v) => [v.key, v.value ?? v.encrypted])).toEqual([
      ['A', 'branch'],
      ['B', 'env'],
      ['C', 'x'],
    ]);
  });
});
