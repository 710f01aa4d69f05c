import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../test-support/server.js';
import { insertBranchConfig, insertProject, randomSha } from '../test-support/fixtures.js';
import type { Project } from '../db/schema.js';
import { AppError } from '../errors.js';
import { recordBuild, type BuildInput, type RecordedBuild } from './service.js';

const server = useTestServer();
let project: Project;
let externalSeq = 0;

beforeAll(async () => {
  ({ project } = await insertProject(server));
  await insertBranchConfig(server, {
    project_id: project.id,
    branch_name: 'main',
    deployment_type: 'auto',
    deployment_script: './deploy.sh main',
    environment: 'production',
    timeout_seconds: 600,
  });
  await insertBranchConfig(server, {
    project_id: project.id,
    branch_name: 'develop',
    deployment_type: 'manual',
  });
  const lenient = await insertBranchConfig(server, {
    project_id: project.id,
    branch_name: 'hotfix',
    deployment_type: 'auto',
    environment: 'hotfix-env',
  });
  await server.ctx.db
    .updateTable('branch_configs')
    .set({ failed_build_can_be_auto_deployed: true })
    .where('id', '=', lenient.id)
    .execute();
});

function input(values: Partial<BuildInput> = {}): BuildInput {
  externalSeq += 1;
  return {
    source: 'gitlab_pipeline',
    external_id: `p-${externalSeq}`,
    status: 'success',
    ref: 'main',
    is_tag: false,
    sha: randomSha(),
    ...values,
  };
}

function record(values: BuildInput): Promise<RecordedBuild> {
  return server.ctx.db.transaction().execute((trx) => recordBuild(server.ctx, trx, project, values));
}

async function deploymentsOf(buildId: number) {
  return server.ctx.db.selectFrom('deployments').selectAll().where('build_id', '=', buildId).execute();
}

async function countRows() {
  const builds = await server.ctx.db
    .selectFrom('builds')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const deployments = await server.ctx.db
    .selectFrom('deployments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { builds: Number(builds.n), deployments: Number(deployments.n) };
}

describe('recordBuild: the auto-deploy rule', () => {
  it('queues one automatic deployment of a successful build on an auto branch, copying what runs', async () => {
    const { build, created, deployment } = await record(input());
    expect(created).toBe(true);
    expect(build.branch_config_id).not.toBeNull();
    expect(deployment).toMatchObject({
      status: 'queued',
      trigger: 'auto',
      triggered_by: null,
      environment: 'production',
      branch_name: 'main',
      script: './deploy.sh main',
      artifacts_dir: 'polytene',
      timeout_seconds: 600,
    });
    const stored = await server.ctx.db
      .selectFrom('builds')
      .selectAll()
      .where('id', '=', build.id)
      .executeTakeFirstOrThrow();
    expect(stored.auto_deploy_handled).toBe(true);
  });

  it('does not deploy a failed build unless the branch allows failed builds', async () => {
    const strict = await record(input({ status: 'failed' }));
    expect(strict.deployment).toBeNull();
    expect(await deploymentsOf(strict.build.id)).toHaveLength(0);
    const lenient = await record(input({ status: 'failed', ref: 'hotfix' }));
    expect(lenient.deployment).toMatchObject({ trigger: 'auto', environment: 'hotfix-env' });
  });

  it('does not deploy on a manual branch, and stores a build of an unknown branch without deploying', async () => {
    const manual = await record(input({ ref: 'develop' }));
    expect(manual.deployment).toBeNull();
    expect(manual.build.branch_config_id).not.toBeNull();
    const unknown = await record(input({ ref: 'feature/x' }));
    expect(unknown.deployment).toBeNull();
    expect(unknown.build.branch_config_id).toBeNull();
    expect(unknown.build.ref).toBe('feature/x');
  });

  it('matches no branch config for a tag with a branch name', async () => {
    const tag = await record(input({ ref: 'refs/tags/main' }));
    expect(tag.build).toMatchObject({ ref: 'main', is_tag: true, branch_config_id: null });
    expect(tag.deployment).toBeNull();
  });

  it('waits for a final status: running then success updates one build and deploys once', async () => {
    const first = input({ status: 'running', started_at: new Date('2024-05-01T10:00:00Z') });
    const running = await record(first);
    expect(running.deployment).toBeNull();
    const done = await record({
      ...first,
      status: 'success',
      started_at: null,
      finished_at: new Date('2024-05-01T10:05:00Z'),
    });
    expect(done.created).toBe(false);
    expect(done.build.id).toBe(running.build.id);
    expect(done.build.status).toBe('success');
    expect(done.build.started_at?.toISOString()).toBe('2024-05-01T10:00:00.000Z');
    expect(done.build.finished_at?.toISOString()).toBe('2024-05-01T10:05:00.000Z');
    expect(done.deployment).not.toBeNull();
  });

  it('deploys exactly once when the final event arrives twice', async () => {
    const event = input();
    const first = await record(event);
    const again = await record(event);
    expect(again.build.id).toBe(first.build.id);
    expect(again.deployment).toBeNull();
    expect(await deploymentsOf(first.build.id)).toHaveLength(1);
  });

  it('makes one build and one deployment from two concurrent deliveries of the same final event', async () => {
    const event = input();
    const results = await Promise.all([record(event), record(event), record(event)]);
    expect(new Set(results.map((r) => r.build.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.filter((r) => r.deployment !== null)).toHaveLength(1);
    expect(await deploymentsOf(results[0]!.build.id)).toHaveLength(1);
  });

  it('makes a new build for every event without an external id', async () => {
    const sha = randomSha();
    const a = await record(input({ external_id: null, sha, status: 'running' }));
    const b = await record(input({ external_id: null, sha, status: 'running' }));
    expect(a.build.id).not.toBe(b.build.id);
  });
});

describe('recordBuild: input checks', () => {
  async function rejected(values: BuildInput): Promise<AppError> {
    const before = await countRows();
    const error = await record(values).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(await countRows()).toEqual(before);
    return error as AppError;
  }

  it('refuses a bad ref naming the field, writing nothing', async () => {
    const error = await rejected(input({ ref: 'a..b' }));
    expect(error.statusCode).toBe(400);
    expect(error.details).toEqual([{ field: 'ref', message: 'must not contain ".."' }]);
  });

  it('refuses a sha that is not a full hex commit id, or all zeros', async () => {
    for (const sha of ['xyz', 'ABCDEF'.padEnd(40, '0'), '0'.repeat(40)]) {
      const error = await rejected(input({ sha }));
      expect(error.statusCode).toBe(400);
      expect((error.details as { field: string }[])[0]!.field).toBe('sha');
    }
  });

  it("accepts GitLab's all-zero before_sha and refuses a malformed one", async () => {
    const ok = await record(input({ before_sha: '0'.repeat(40), status: 'running' }));
    expect(ok.build.before_sha).toBe('0'.repeat(40));
    const error = await rejected(input({ before_sha: 'nope' }));
    expect((error.details as { field: string }[])[0]!.field).toBe('before_sha');
  });

  it('shortens refs/heads/ refs before matching the branch', async () => {
    const { build, deployment } = await record(input({ ref: 'refs/heads/main' }));
    expect(build.ref).toBe('main');
    expect(deployment).not.toBeNull();
  });
});
