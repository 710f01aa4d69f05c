import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, useTestServer, type SessionHeaders } from '../test-support/server.js';
import { insertProject } from '../test-support/fixtures.js';
import { GithubStandin } from '../test-support/github-standin.js';
import { githubKit } from '../test-support/github-kit.js';
import { transitionDeployment } from '../deployments/transitions.js';

const server = useTestServer(
  { publicUrl: 'https://polytene.example.test', notifyAllowPrivate: true },
  { worker: true },
);
let github: GithubStandin;
let admin: SessionHeaders;
const { fixture, githubProject, deliver, completedRun } = githubKit(
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

async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const statesFor = (sha: string) => github.statuses.filter((s) => s.sha === sha).map((s) => s.state);

async function move(id: number, to: 'running' | 'succeeded' | 'failed') {
  await server.ctx.db.transaction().execute(async (trx) => {
    await transitionDeployment(server.ctx, trx, id, {
      to,
      ...(to === 'failed' ? { failureReason: 'script_failure' as const } : {}),
      ...(to === 'running' ? { extra: { lease_expires_at: new Date(Date.now() + 3_600_000) } } : {}),
    });
  });
}

describe('the GitHub workflow_run webhook', () => {
  it('answers a ping signed with the project webhook secret, and shows its URL', async () => {
    const project = await githubProject();
    expect(project.webhook_urls.github).toBe(
      `https://polytene.example.test/api/v1/projects/${project.id}/hooks/github`,
    );
    const res = await deliver(project, fixture('ping'), { event: 'ping', secret: project.webhook_secret });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ event: 'ping', zen: expect.any(String) });
  });

  it('refuses a wrong or missing X-Hub-Signature-256 with a 401 saying what to do', async () => {
    const project = await githubProject();
    const wrong = await deliver(project, completedRun(), { secret: 'not-the-secret' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.message).toMatch(/X-Hub-Signature-256 does not match/);
    const missing = await deliver(project, completedRun(), { secret: null });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.message).toMatch(/X-Hub-Signature-256 is missing/);
    const builds = await server.ctx.db
      .selectFrom('builds')
      .select('id')
      .where('project_id', '=', project.id)
      .execute();
    expect(builds).toEqual([]);
  });

  it('ignores other events and runs that are not completed, with a note', async () => {
    const project = await githubProject();
    const push = await deliver(
      project,
      { ref: 'refs/heads/master' },
      { event: 'push', secret: project.webhook_secret },
    );
    expect(push.statusCode).toBe(200);
    expect(push.json()).toMatchObject({ event: 'push', ignored: expect.stringMatching(/Workflow runs/) });
    const requested = fixture('workflow_run.requested');
    const inProgress = { ...requested, action: 'in_progress' };
    for (const body of [requested, inProgress]) {
      const res = await deliver(project, body, { secret: project.webhook_secret });
      expect(res.statusCode).toBe(200);
      expect(res.json().ignored).toMatch(/completed runs/);
    }
    const builds = await server.ctx.db
      .selectFrom('builds')
      .select('id')
      .where('project_id', '=', project.id)
      .execute();
    expect(builds).toEqual([]);
  });

  it('records a completed successful run as a build and deploys it; a redelivery changes nothing', async () => {
    const project = await githubProject();
    const body = completedRun();
    const sha = body.workflow_run.head_sha as string;
    const first = await deliver(project, body, { secret: project.webhook_secret });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ event: 'workflow_run', created: true, status: 'success' });
    expect(first.json().deployment_id).toEqual(expect.any(Number));
    const again = await deliver(project, body, { secret: project.webhook_secret });
    expect(again.json()).toMatchObject({
      created: false,
      build_id: first.json().build_id,
      deployment_id: null,
    });
    const build = await server.ctx.db
      .selectFrom('builds')
      .selectAll()
      .where('id', '=', first.json().build_id as number)
      .executeTakeFirstOrThrow();
    expect(build).toMatchObject({
      source: 'github_workflow_run',
      external_id: '289782451-1',
      ref: 'master',
      sha,
      status: 'success',
    });
    const deployments = await server.ctx.db
      .selectFrom('deployments')
      .select(['id', 'trigger'])
      .where('project_id', '=', project.id)
      .execute();
    expect(deployments).toEqual([{ id: first.json().deployment_id, trigger: 'auto' }]);
  });

  it('records a re-run (the next run_attempt) as a new build', async () => {
    const project = await githubProject();
    const body = completedRun({ conclusion: 'failure' });
    const first = await deliver(project, body, { secret: project.webhook_secret });
    const rerun = await deliver(
      project,
      { ...body, workflow_run: { ...body.workflow_run, run_attempt: 2, conclusion: 'success' } },
      { secret: project.webhook_secret },
    );
    expect(first.json()).toMatchObject({ created: true, status: 'failed', deployment_id: null });
    expect(rerun.json()).toMatchObject({ created: true, status: 'success' });
    expect(rerun.json().build_id).not.toBe(first.json().build_id);
  });

  it('ignores fields it does not read, at every level', async () => {
    const project = await githubProject();
    const body = completedRun({ future_field: { nested: [1, 2] }, conclusion: 'cancelled' });
    const res = await deliver(project, { ...body, brand_new: true }, { secret: project.webhook_secret });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: true, status: 'canceled', deployment_id: null });
  });

  it('answers a 400 naming a field that is not what GitHub documents', async () => {
    const project = await githubProject();
    const res = await deliver(project, completedRun({ head_sha: 'nope' }), {
      secret: project.webhook_secret,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/sha/);
  });
});

describe('commit statuses reported to GitHub', () => {
  it('sets polytene/<environment> pending when the deployment starts and success at its end', async () => {
    const project = await githubProject();
    const body = completedRun();
    const sha = body.workflow_run.head_sha as string;
    const deploymentId = (await deliver(project, body, { secret: project.webhook_secret })).json()
      .deployment_id as number;
    await move(deploymentId, 'running');
    await eventually(async () => statesFor(sha).length === 1, 'the pending status');
    await move(deploymentId, 'succeeded');
    await eventually(async () => statesFor(sha).includes('success'), 'the success status');
    expect(statesFor(sha)).toEqual(['pending', 'success']);
    const last = github.statuses.find((s) => s.sha === sha && s.state === 'success')!;
    expect(last).toMatchObject({
      repository: 'octo-org/octo-repo',
      context: 'polytene/production',
      target_url: `https://polytene.example.test/deployments/${deploymentId}`,
      token: 'gh-token',
    });
    expect(last.description).toMatch(new RegExp(`#${deploymentId} succeeded`));
  });

  it('sets failure when the deployment fails', async () => {
    const project = await githubProject();
    const body = completedRun();
    const sha = body.workflow_run.head_sha as string;
    const deploymentId = (await deliver(project, body, { secret: project.webhook_secret })).json()
      .deployment_id as number;
    await move(deploymentId, 'running');
    await move(deploymentId, 'failed');
    await eventually(async () => statesFor(sha).includes('failure'), 'the failure status');
    expect(statesFor(sha).at(-1)).toBe('failure');
  });

  it('stores the error when GitHub answers 500, and the deployment goes on', async () => {
    const project = await githubProject();
    github.failWith = 500;
    try {
      const body = completedRun();
      const deploymentId = (await deliver(project, body, { secret: project.webhook_secret })).json()
        .deployment_id as number;
      await move(deploymentId, 'running');
      const report = await eventually(async () => {
        const res = await server.app.inject({
          method: 'GET',
          url: `/api/v1/projects/${project.id}/github/report`,
          headers: admin,
        });
        const last = (res.json() as { last_report: { error: string | null } | null }).last_report;
        return last?.error ? last : null;
      }, 'the stored error');
      expect(report).toMatchObject({ deployment_id: deploymentId, state: null });
      expect(report.error).toMatch(/GitHub answered 500/);
      expect(report.error).not.toMatch(/gh-token/);
      await move(deploymentId, 'succeeded');
      const row = await server.ctx.db
        .selectFrom('deployments')
        .select('status')
        .where('id', '=', deploymentId)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('succeeded');
    } finally {
      github.failWith = null;
    }
  });

  it('stores GitHub refusing the token in plain words, without the token', async () => {
    const project = await githubProject('not-a-known-token');
    const deploymentId = (await deliver(project, completedRun(), { secret: project.webhook_secret })).json()
      .deployment_id as number;
    await move(deploymentId, 'running');
    const row = await eventually(
      () =>
        server.ctx.db
          .selectFrom('github_status_reports')
          .selectAll()
          .where('deployment_id', '=', deploymentId)
          .executeTakeFirst(),
      'the stored refusal',
    );
    expect(row.error).toMatch(/GitHub refused the token \(401\): Bad credentials/);
    expect(row.error).not.toMatch(/not-a-known-token/);
  });

  it('reports nothing for a project connected without a token', async () => {
    const project = await githubProject(null);
    const body = completedRun();
    const res = await deliver(project, body, { secret: project.webhook_secret });
    expect(res.json().deployment_id).toEqual(expect.any(Number));
    await move(res.json().deployment_id as number, 'running');
    const jobs = await server.ctx.db
      .selectFrom('github_status_reports')
      .select('deployment_id')
      .where('deployment_id', '=', res.json().deployment_id as number)
      .execute();
    expect(jobs).toEqual([]);
    expect(statesFor(body.workflow_run.head_sha as string)).toEqual([]);
  });
});

describe('the GitHub connection of a project', () => {
  it('keeps the token secret, keeps it when left out, and disconnects with null', async () => {
    const project = await githubProject();
    const patch = (github: unknown) =>
      server.app.inject({
        method: 'PATCH',
        url: `/api/v1/projects/${project.id}`,
        headers: admin,
        payload: { github },
      });
    const kept = await patch({ repository: 'octo-org/other', api_url: github.url });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json()).toMatchObject({
      source: 'github',
      github: { repository: 'octo-org/other', api_url: github.url, token_set: true },
    });
    expect(kept.body).not.toMatch(/gh-token/);
    const defaulted = await patch({ repository: 'octo-org/octo-repo' });
    expect(defaulted.json().github).toEqual({
      repository: 'octo-org/octo-repo',
      api_url: 'https://api.github.com',
      token_set: true,
    });
    const off = await patch(null);
    expect(off.json()).toMatchObject({ source: 'manual', github: null });
  });

  it('refuses a GitHub connection on a project imported from GitLab', async () => {
    const { project } = await insertProject(server);
    await server.ctx.db
      .updateTable('projects')
      .set({ source: 'gitlab' })
      .where('id', '=', project.id)
      .execute();
    const res = await server.app.inject({
      method: 'PATCH',
      url: `/api/v1/projects/${project.id}`,
      headers: admin,
      payload: { github: { repository: 'octo-org/octo-repo' } },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.body).toMatch(/imported from GitLab/);
  });

  it('refuses a repository that is not owner/name and an API URL that is not http(s)', async () => {
    const project = await githubProject();
    for (const github of [{ repository: 'no-slash' }, { repository: 'a/b', api_url: 'ftp://example.test' }]) {
      const res = await server.app.inject({
        method: 'PATCH',
        url: `/api/v1/projects/${project.id}`,
        headers: admin,
        payload: { github },
      });
      expect(res.statusCode, res.body).toBe(400);
    }
  });
});
