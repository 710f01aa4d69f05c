import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import type { BranchConfig, Deployment, Project } from '../db/schema.js';
import type { DeploymentStatus } from '@polytene/protocol';
import { loadDeploymentView } from './view.js';

const server = useTestServer();
const WEB_URL = 'https://gitlab.example.test/group/app';

async function projectWithConfigs(source: 'gitlab' | 'manual') {
  const { project } = await insertProject(server);
  await server.ctx.db
    .updateTable('projects')
    .set({ source, web_url: source === 'gitlab' ? WEB_URL : null })
    .where('id', '=', project.id)
    .execute();
  const production = await insertBranchConfig(server, { project_id: project.id, branch_name: 'main' });
  const staging = await insertBranchConfig(server, {
    project_id: project.id,
    branch_name: 'develop',
    environment: 'staging',
  });
  return { project, production, staging };
}

/** A deployment of a new build of `sha`, ended (or not) in `status`, as test setup. */
async function deployment(
  project: Project,
  config: BranchConfig,
  sha: string,
  status: DeploymentStatus = 'succeeded',
): Promise<Deployment> {
  const build = await insertBuild(server, { project_id: project.id, ref: config.branch_name, sha });
  const queued = await insertQueuedDeployment(server, build, config);
  if (status === 'queued') return queued;
  return server.ctx.db
    .updateTable('deployments')
    .set({ status, finished_at: new Date(), failure_reason: status === 'failed' ? 'script_failure' : null })
    .where('id', '=', queued.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

const sha = (c: string) => c.repeat(40);
const compareUrl = async (d: Deployment) => (await loadDeploymentView(server.ctx, d.id))?.compare_url;

describe('deployment view: compare_url', () => {
  let gitlab: Awaited<ReturnType<typeof projectWithConfigs>>;
  beforeAll(async () => {
    gitlab = await projectWithConfigs('gitlab');
  });

  it('is null for the first deployment of an environment: nothing was live before', async () => {
    const first = await deployment(gitlab.project, gitlab.production, sha('a'));
    expect(await compareUrl(first)).toBeNull();
  });

  it('compares the last succeeded deployment of the same environment before it with what it deploys', async () => {
    await deployment(gitlab.project, gitlab.production, sha('b'), 'failed');
    await deployment(gitlab.project, gitlab.staging, sha('c'));
    const next = await deployment(gitlab.project, gitlab.production, sha('d'), 'queued');
    expect(await compareUrl(next)).toBe(`${WEB_URL}/-/compare/${sha('a')}...${sha('d')}`);
    const later = await deployment(gitlab.project, gitlab.staging, sha('e'), 'running');
    expect(await compareUrl(later)).toBe(`${WEB_URL}/-/compare/${sha('c')}...${sha('e')}`);
  });

  it('is null when the same commit was live (a redeploy)', async () => {
    const again = await deployment(gitlab.project, gitlab.production, sha('a'), 'queued');
    expect(await compareUrl(again)).toBeNull();
  });

  it('is null for a project not on GitLab', async () => {
    const manual = await projectWithConfigs('manual');
    await deployment(manual.project, manual.production, sha('1'));
    const next = await deployment(manual.project, manual.production, sha('2'), 'queued');
    expect(await compareUrl(next)).toBeNull();
  });
});
