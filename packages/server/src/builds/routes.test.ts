import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminSession,
  insertUser,
  login,
  useTestServer,
  TEST_PASSWORD,
  type SessionHeaders,
  signedInUser,
} from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertMember,
} from '../test-support/fixtures.js';
import type { BranchConfig, Build, Project } from '../db/schema.js';

const server = useTestServer();
let admin: SessionHeaders;
let member: SessionHeaders;
let outsider: SessionHeaders;
let project: Project;
let config: BranchConfig;
const builds: Build[] = [];

beforeAll(async () => {
  admin = await adminSession(server);
  const memberUser = await insertUser(server, { login: 'member' });
  ({ session: outsider } = await signedInUser(server, { login: 'outsider' }));
  member = await login(server, 'member', TEST_PASSWORD);
  ({ project } = await insertProject(server, { name: 'shop' }));
  await insertMember(server, project, memberUser);
  config = await insertBranchConfig(server, {
    project_id: project.id,
    branch_name: 'main',
    deployment_script: 'make deploy',
  });
  // 5 builds of main (ids ascending), 2 of develop, one failed.
  for (let i = 0; i < 5; i++)
    builds.push(await insertBuild(server, { project_id: project.id, branch_config_id: config.id }));
  builds.push(await insertBuild(server, { project_id: project.id, ref: 'develop' }));
  builds.push(await insertBuild(server, { project_id: project.id, ref: 'develop', status: 'failed' }));
  await insertQueuedDeployment(server, builds[1]!, config);
});

function get(url: string, headers: SessionHeaders) {
  return server.app.inject({ method: 'GET', url, headers });
}

describe('GET /api/v1/projects/:id/builds', () => {
  it('lists builds newest first with paging and the total', async () => {
    const page1 = await get(`/api/v1/projects/${project.id}/builds?per_page=3`, member);
    expect(page1.statusCode).toBe(200);
    expect(page1.json()).toMatchObject({ total: 7, page: 1, per_page: 3 });
    const ids = page1.json().builds.map((b: { id: number }) => b.id);
    expect(ids).toEqual([builds[6]!.id, builds[5]!.id, builds[4]!.id]);
    const page3 = await get(`/api/v1/projects/${project.id}/builds?per_page=3&page=3`, member);
    expect(page3.json().builds.map((b: { id: number }) => b.id)).toEqual([builds[0]!.id]);
  });

  it('filters by branch, CI status and deployment status', async () => {
    const develop = await get(`/api/v1/projects/${project.id}/builds?branch=develop`, member);
    expect(develop.json().total).toBe(2);
    const failed = await get(`/api/v1/projects/${project.id}/builds?status=failed`, member);
    expect(failed.json().builds.map((b: { id: number }) => b.id)).toEqual([builds[6]!.id]);
    const queued = await get(`/api/v1/projects/${project.id}/builds?deployment_status=queued`, member);
    expect(queued.json().builds.map((b: { id: number }) => b.id)).toEqual([builds[1]!.id]);
    const never = await get(`/api/v1/projects/${project.id}/builds?deployment_status=not_deployed`, member);
    expect(never.json().total).toBe(6);
    const bad = await get(`/api/v1/projects/${project.id}/builds?deployment_status=maybe`, member);
    expect(bad.statusCode).toBe(400);
  });

  it('answers 404 to someone who may not see the project', async () => {
    expect((await get(`/api/v1/projects/${project.id}/builds`, outsider)).statusCode).toBe(404);
    expect((await get(`/api/v1/builds/${builds[0]!.id}`, outsider)).statusCode).toBe(404);
  });
});

describe('GET /api/v1/builds/:id', () => {
  it('shows the payload, the deployment status of the latest deployment and every deployment', async () => {
    const res = await get(`/api/v1/builds/${builds[1]!.id}`, member);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: builds[1]!.id, deployment_status: 'queued', payload: null });
    expect(res.json().deployments).toHaveLength(1);
    expect(res.json().deployments[0]).toMatchObject({
      status: 'queued',
      cancel_requested: false,
      build: { id: builds[1]!.id, sha: builds[1]!.sha },
      project: { id: project.id, name: 'shop' },
    });
    const untouched = await get(`/api/v1/builds/${builds[0]!.id}`, member);
    expect(untouched.json().deployment_status).toBe('not_deployed');
    expect((await get('/api/v1/builds/999999', member)).statusCode).toBe(404);
  });
});

describe('POST /api/v1/builds/:id/deployments', () => {
  function deploy(build: Build, headers: SessionHeaders, payload?: object) {
    return server.app.inject({
      method: 'POST',
      url: `/api/v1/builds/${build.id}/deployments`,
      headers,
      payload,
    });
  }

  it('queues a user deployment (201) recording who asked, even without a body', async () => {
    const res = await deploy(builds[0]!, member);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      status: 'queued',
      trigger: 'user',
      environment: 'production',
      triggered_by: { login: 'member' },
      build: { id: builds[0]!.id },
    });
  });

  it('deploys to another environment when asked, and refuses a malformed environment name', async () => {
    const res = await deploy(builds[2]!, admin, { environment: 'staging' });
    expect(res.statusCode).toBe(201);
    expect(res.json().environment).toBe('staging');
    const bad = await deploy(builds[2]!, admin, { environment: '../etc' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('environment');
  });

  it('refuses a build whose branch has no deployment configuration (400)', async () => {
    const res = await deploy(builds[5]!, member, {});
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('build');
  });

  it('needs the deploy right: 403 to a viewer of a public project, 404 to an outsider', async () => {
    const { project: open } = await insertProject(server, { public: true });
    const openConfig = await insertBranchConfig(server, { project_id: open.id });
    const openBuild = await insertBuild(server, { project_id: open.id, branch_config_id: openConfig.id });
    expect((await deploy(openBuild, outsider, {})).statusCode).toBe(403);
    expect((await deploy(builds[0]!, outsider, {})).statusCode).toBe(404);
  });
});
