import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, useTestServer, type SessionHeaders } from '../test-support/server.js';
import { insertBranchConfig, randomSha } from '../test-support/fixtures.js';
import { GithubStandin } from '../test-support/github-standin.js';
import { githubKit } from '../test-support/github-kit.js';

const server = useTestServer({ publicUrl: 'https://polytene.example.test', notifyAllowPrivate: true });
let github: GithubStandin;
let admin: SessionHeaders;
const { githubProject, deliver, completedRun } = githubKit(
  server,
  () => github,
  () => admin,
);

beforeAll(async () => {
  github = await new GithubStandin().start();
  github.tokens.add('gh-token');
  admin = await adminSession(server);
});
afterAll(() => github.close());

/** The documented completed run as a tag push's run: GitHub gives the tag in head_branch, event push. */
function tagPushRun(tag: string) {
  return completedRun({ head_branch: tag, event: 'push' });
}

describe('a workflow run of a tag push (the tag arrives in head_branch)', () => {
  async function withConfigNamed(name: string, token: string | null = 'gh-token') {
    const project = await githubProject(token);
    await insertBranchConfig(server, {
      project_id: project.id,
      branch_name: name,
      deployment_type: 'auto',
      environment: 'staging',
    });
    return project;
  }

  it('is recorded as a tag when GitHub has the tag, and deploys no branch config of that name', async () => {
    const tag = `v1.${randomSha().slice(0, 6)}`;
    github.tags.add(`octo-org/octo-repo:${tag}`);
    const project = await withConfigNamed(tag);
    const res = await deliver(project, tagPushRun(tag), { secret: project.webhook_secret });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: true, is_tag: true, deployment_id: null });
    expect(res.json().note).toBeUndefined();
    expect(github.tagLookups).toContain(`octo-org/octo-repo:${tag}`);
    const build = await server.ctx.db
      .selectFrom('builds')
      .selectAll()
      .where('id', '=', res.json().build_id as number)
      .executeTakeFirstOrThrow();
    expect(build).toMatchObject({ ref: tag, is_tag: true, branch_config_id: null });
    const deployments = await server.ctx.db
      .selectFrom('deployments')
      .select('id')
      .where('project_id', '=', project.id)
      .execute();
    expect(deployments).toEqual([]);
  });

  it('a push run of a branch (no such tag) is still a branch build and deploys', async () => {
    const project = await githubProject();
    const res = await deliver(project, tagPushRun('master'), { secret: project.webhook_secret });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: true, is_tag: false });
    expect(res.json().deployment_id).toEqual(expect.any(Number));
    expect(github.tagLookups).toContain('octo-org/octo-repo:master');
  });

  it('looks up a tag name with a slash in it', async () => {
    github.tags.add('octo-org/octo-repo:release/2.0');
    const project = await githubProject();
    const res = await deliver(project, tagPushRun('release/2.0'), { secret: project.webhook_secret });
    expect(res.json()).toMatchObject({ is_tag: true, deployment_id: null });
  });

  it('asks nothing for a run that is not a push (the documented repository_dispatch run)', async () => {
    const project = await githubProject();
    const before = github.tagLookups.length;
    const res = await deliver(project, completedRun(), { secret: project.webhook_secret });
    expect(res.json()).toMatchObject({ is_tag: false });
    expect(github.tagLookups.length).toBe(before);
  });

  it('falls back to a branch build with a note without a token, or when GitHub fails', async () => {
    const tag = `v2.${randomSha().slice(0, 6)}`;
    github.tags.add(`octo-org/octo-repo:${tag}`);
    const untokened = await withConfigNamed(tag, null);
    const noToken = await deliver(untokened, tagPushRun(tag), { secret: untokened.webhook_secret });
    expect(noToken.json()).toMatchObject({ is_tag: false, note: expect.stringMatching(/has no token/) });
    expect(noToken.json().deployment_id).toEqual(expect.any(Number));
    const project = await withConfigNamed(tag);
    github.failWith = 500;
    try {
      const failed = await deliver(project, tagPushRun(tag), { secret: project.webhook_secret });
      expect(failed.statusCode, failed.body).toBe(200);
      expect(failed.json()).toMatchObject({
        is_tag: false,
        note: expect.stringMatching(/GitHub answered 500/),
      });
      expect(failed.json().note).not.toMatch(/gh-token/);
    } finally {
      github.failWith = null;
    }
  });
});
