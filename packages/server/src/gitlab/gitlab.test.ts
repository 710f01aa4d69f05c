import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, useTestServer, type SessionHeaders } from '../test-support/server.js';
import { insertRunner } from '../test-support/fixtures.js';
import { GitlabStandin, sshFingerprint, type InjectedFailure } from '../test-support/gitlab-standin.js';
import { parsePublicKey } from '../runner-protocol/public-key.js';
import { transitionDeployment } from '../deployments/transitions.js';

const server = useTestServer({ publicUrl: 'https://polytene.example.test' }, { worker: true });
let gitlab: GitlabStandin;
let admin: SessionHeaders;
/** The GitLab instance (admin setting) of the stand-in: every connection below is a token for it. */
let standinInstance: number;

beforeAll(async () => {
  gitlab = await new GitlabStandin().start();
  gitlab.addUser('admin-token', { username: 'root' });
  gitlab.addUser('read-token', { username: 'reader' }, ['read_api']);
  admin = await adminSession(server);
  standinInstance = await instanceAt(gitlab.url);
});
afterAll(() => gitlab.close());

const api = (
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH',
  url: string,
  payload?: Record<string, unknown>,
) =>
  server.app.inject(
    payload === undefined ? { method, url, headers: admin } : { method, url, headers: admin, payload },
  );

/** The id of the GitLab instance with this URL, added (as an admin does) when there is none yet. */
async function instanceAt(url: string): Promise<number> {
  const { instances } = (await api('GET', '/api/v1/gitlab/instances')).json() as {
    instances: { id: number; url: string }[];
  };
  const found = instances.find((i) => i.url === url);
  if (found) return found.id;
  const res = await api('POST', '/api/v1/gitlab/instances', { name: url, url });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
}

async function connect(token = 'admin-token', url?: string) {
  const instance_id = url === undefined ? standinInstance : await instanceAt(url);
  return api('PUT', '/api/v1/user/gitlab', { instance_id, token });
}

async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A well-formed OpenSSH ed25519 public key line (length-prefixed type and 32 random bytes). */
function ed25519Key(comment = 'runner'): string {
  const blob = Buffer.concat(
    [Buffer.from('ssh-ed25519'), randomBytes(32)].map((part) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(part.length, 0);
      return Buffer.concat([length, part]);
    }),
  );
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

async function runnerWithKey(name: string) {
  const { runner } = await insertRunner(server, { name });
  const key = parsePublicKey(ed25519Key())!;
  await server.ctx.db
    .updateTable('runners')
    .set({ public_key: key.normalized, public_key_fingerprint: key.fingerprint })
    .where('id', '=', runner.id)
    .execute();
  return { runner, key };
}

async function importOne(name: string) {
  const source = gitlab.addProject({ name, default_branch: 'main' });
  const res = await api('POST', '/api/v1/gitlab/import', { project_ids: [source.id] });
  expect(res.statusCode, res.body).toBe(201);
  return { source, status: res.json().projects[0] as { project_id: number; hook_id: number | null } };
}

async function deploymentOf(projectId: number) {
  const build = await server.ctx.db
    .insertInto('builds')
    .values({
      project_id: projectId,
      source: 'api',
      status: 'success',
      ref: 'main',
      sha: randomBytes(20).toString('hex'),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return server.ctx.db
    .insertInto('deployments')
    .values({
      build_id: build.id,
      project_id: projectId,
      environment: 'staging',
      trigger: 'user',
      branch_name: 'main',
      script: 'true',
      artifacts_dir: 'polytene',
      timeout_seconds: 60,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A running deployment holds a lease as a runner's claim gives it, so the lease reaper leaves it alone. */
const move = (id: number, to: 'running' | 'succeeded') =>
  server.ctx.db.transaction().execute(async (trx) => {
    await transitionDeployment(server.ctx, trx, id, { to });
    if (to === 'running') {
      await trx
        .updateTable('deployments')
        .set({ lease_expires_at: new Date(Date.now() + 3_600_000) })
        .where('id', '=', id)
        .execute();
    }
  });

describe('GitLab connection', () => {
  it('stores the URL and token, never shows the token, and encrypts it at rest', async () => {
    const res = await connect();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      connected: true,
      instance: { id: standinInstance, url: gitlab.url },
      gitlab_url: gitlab.url,
      verified_username: null,
    });
    expect(res.body).not.toContain('admin-token');
    const row = await server.ctx.db.selectFrom('gitlab_connections').selectAll().executeTakeFirstOrThrow();
    expect(row.token_encrypted).not.toContain('admin-token');
    const audit = await server.ctx.db
      .selectFrom('audit_events')
      .select('after')
      .where('action', '=', 'gitlab_connection_saved')
      .execute();
    expect(JSON.stringify(audit)).not.toContain('admin-token');
  });

  it('verify names the GitLab user of the token', async () => {
    await connect();
    const res = await api('POST', '/api/v1/user/gitlab/verify');
    expect(res.json()).toMatchObject({ ok: true, user: { username: 'root' }, scopes: ['api'] });
    expect((await api('GET', '/api/v1/user/gitlab')).json().verified_username).toBe('root');
  });

  it('verify says exactly why a token fails: 401, missing api scope, unreachable', async () => {
    await connect('nonsense');
    const refused = (await api('POST', '/api/v1/user/gitlab/verify')).json();
    expect(refused).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    expect((await api('GET', '/api/v1/user/gitlab')).json().last_error).toContain('401');

    await connect('read-token');
    const scope = (await api('POST', '/api/v1/user/gitlab/verify')).json();
    expect(scope).toMatchObject({ ok: false, error: { kind: 'insufficient_scope' } });
    expect(scope.error.message).toContain('read_api');

    await connect('admin-token', 'http://127.0.0.1:1');
    expect((await api('POST', '/api/v1/user/gitlab/verify')).json().error.kind).toBe('unreachable');
    await connect();
  });

  it('refuses an instance URL that is not http(s) naming the field', async () => {
    const res = await api('POST', '/api/v1/gitlab/instances', { name: 'bare', url: 'gitlab.example.com' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].field).toBe('url');
  });
});

describe('listing and importing', () => {
  it('lists one page the GitLab way and passes its page info through', async () => {
    for (let i = 0; i < 25; i++) gitlab.addProject({ name: `listed-${i}` });
    const res = await api('GET', '/api/v1/gitlab/projects?search=listed&per_page=10&page=2');
    expect(res.statusCode).toBe(200);
    expect(res.json().projects).toHaveLength(10);
    expect(res.json().page_info).toMatchObject({
      page: 2,
      per_page: 10,
      next_page: 3,
      prev_page: 1,
      total: 25,
    });
    const sent = gitlab.received.filter((r) => r.path === '/api/v4/projects').pop()!;
    expect(sent.query).toMatchObject({ per_page: '10', page: '2', search: 'listed' });
  });

  it('answers 502 naming the cause when GitLab fails, and stores it on the connection', async () => {
    gitlab.failNext({ path: /\/projects$/, status: 200, raw: '<html>', contentType: 'text/html' });
    const res = await api('GET', '/api/v1/gitlab/projects');
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('GITLAB_MALFORMED');
    expect((await api('GET', '/api/v1/user/gitlab')).json().last_error).toContain('unexpected answer');
  });

  it('imports a project: ids, URLs, webhook (pipeline+job, no push, secret, SSL on), branch config', async () => {
    const { source, status } = await importOne('shop');
    const project = await server.ctx.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', status.project_id)
      .executeTakeFirstOrThrow();
    expect(project).toMatchObject({
      source: 'gitlab',
      gitlab_url: gitlab.url,
      gitlab_project_id: source.id,
      clone_url: `git@127.0.0.1:${source.path_with_namespace}.git`,
      web_url: `${gitlab.url}/${source.path_with_namespace}`,
      default_branch: 'main',
    });
    const hook = gitlab.hooks.find((h) => h.project_id === source.id)!;
    expect(hook).toMatchObject({
      id: status.hook_id,
      url: `https://polytene.example.test/api/v1/projects/${project.id}/hooks/gitlab`,
      pipeline_events: true,
      job_events: true,
      push_events: false,
      enable_ssl_verification: true,
      token: server.ctx.secrets.decrypt(project.webhook_secret_encrypted),
    });
    const config = await server.ctx.db
      .selectFrom('branch_configs')
      .selectAll()
      .where('project_id', '=', project.id)
      .executeTakeFirstOrThrow();
    expect(config.branch_name).toBe('main');
    const me = await server.ctx.db
      .selectFrom('users')
      .select('email')
      .where('login', '=', 'admin')
      .executeTakeFirstOrThrow();
    expect(config.notification_emails).toEqual([me.email]);
  });

  it('an instance with imported projects cannot be deleted; the projects name it', async () => {
    await connect();
    const { status } = await importOne('pinned');
    const project = await server.ctx.db
      .selectFrom('projects')
      .select(['gitlab_instance_id', 'gitlab_url'])
      .where('id', '=', status.project_id)
      .executeTakeFirstOrThrow();
    expect(project).toEqual({ gitlab_instance_id: standinInstance, gitlab_url: gitlab.url });
    const res = await api('DELETE', `/api/v1/gitlab/instances/${standinInstance}`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.details.project_ids).toContain(status.project_id);
  });

  it('re-sync and background deploy keys call the instance URL, following an admin who moves it', async () => {
    await connect();
    const { status } = await importOne('moving');
    const elsewhere = 'http://127.0.0.1:9';
    expect(
      (await api('PATCH', `/api/v1/gitlab/instances/${standinInstance}`, { url: elsewhere })).statusCode,
    ).toBe(200);
    try {
      expect((await api('GET', `/api/v1/projects/${status.project_id}/gitlab`)).json().gitlab_url).toBe(
        elsewhere,
      );
      const resync = await api('POST', `/api/v1/projects/${status.project_id}/gitlab/resync`);
      expect(resync.statusCode).toBe(502);
      expect(resync.json().error.message).toContain(`GitLab at ${elsewhere} did not answer`);
      const { runner } = await runnerWithKey('moving');
      await api('PATCH', `/api/v1/projects/${status.project_id}`, { runner_id: runner.id });
      await eventually(async () => {
        const s = (await api('GET', `/api/v1/projects/${status.project_id}/gitlab`)).json();
        return (s.deploy_key_error ?? '').includes(elsewhere);
      }, 'the deploy key job calling the moved URL');
    } finally {
      await api('PATCH', `/api/v1/gitlab/instances/${standinInstance}`, { url: gitlab.url });
    }
    const again = await api('POST', `/api/v1/projects/${status.project_id}/gitlab/resync`);
    expect(again.statusCode, again.body).toBe(200);
  });

  it('refuses to import the same project twice with a clear 409', async () => {
    const { source, status } = await importOne('twice');
    const res = await api('POST', '/api/v1/gitlab/import', { project_ids: [source.id] });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toContain(`Polytene project ${status.project_id}`);
  });

  it('keeps an import whose webhook GitLab refused, with the reason visible', async () => {
    const source = gitlab.addProject({ name: 'nohook' });
    gitlab.failNext({ method: 'POST', path: /\/hooks$/, status: 403, body: { message: '403 Forbidden' } });
    const res = await api('POST', '/api/v1/gitlab/import', { project_ids: [source.id] });
    expect(res.statusCode).toBe(201);
    expect(res.json().projects[0]).toMatchObject({ hook_id: null });
    expect(res.json().projects[0].hook_error).toContain('403');
  });

  it('re-sync refreshes name, URLs and default branch', async () => {
    const { source, status } = await importOne('renamed');
    source.path_with_namespace = 'group/renamed-now';
    source.default_branch = 'trunk';
    const res = await api('POST', `/api/v1/projects/${status.project_id}/gitlab/resync`);
    expect(res.statusCode).toBe(200);
    const project = await server.ctx.db
      .selectFrom('projects')
      .selectAll()
      .where('id', '=', status.project_id)
      .executeTakeFirstOrThrow();
    expect(project).toMatchObject({
      name: 'group/renamed-now',
      default_branch: 'trunk',
      web_url: `${gitlab.url}/group/renamed-now`,
      clone_url: 'git@127.0.0.1:group/renamed-now.git',
      http_url: `${gitlab.url}/group/renamed-now.git`,
    });
    expect(res.json()).toMatchObject({ web_url: `${gitlab.url}/group/renamed-now` });
  });

  it('re-sync registers a webhook GitLab refused at import, and rewrites an existing one', async () => {
    const source = gitlab.addProject({ name: 'resync-hook' });
    gitlab.failNext({ method: 'POST', path: /\/hooks$/, status: 403, body: { message: '403 Forbidden' } });
    const imported = (await api('POST', '/api/v1/gitlab/import', { project_ids: [source.id] })).json();
    const projectId = imported.projects[0].project_id as number;
    expect(imported.projects[0]).toMatchObject({ hook_id: null, hook_state: 'failed' });

    const res = await api('POST', `/api/v1/projects/${projectId}/gitlab/resync`);
    expect(res.json()).toMatchObject({ hook_state: 'registered', hook_error: null });
    const hook = gitlab.hooks.find((h) => h.project_id === source.id)!;
    expect(hook.id).toBe(res.json().hook_id);

    hook.url = 'https://old-address.example/hook';
    hook.token = 'tampered';
    await api('POST', `/api/v1/projects/${projectId}/gitlab/resync`);
    const secret = (await api('GET', `/api/v1/projects/${projectId}`)).json().webhook_secret as string;
    await eventually(
      async () => hook.token === secret && hook.url.endsWith(`/api/v1/projects/${projectId}/hooks/gitlab`),
      'the rewritten hook',
    );
    expect(gitlab.hooks.filter((h) => h.project_id === source.id)).toHaveLength(1);
  });

  it('deleting a project whose webhook GitLab refuses to remove records why in the audit log', async () => {
    const { source, status } = await importOne('undeletable-hook');
    gitlab.failNext({
      method: 'DELETE',
      path: new RegExp(`/projects/${source.id}/hooks/`),
      status: 403,
      body: { message: '403 Forbidden' },
    });
    expect((await api('DELETE', `/api/v1/projects/${status.project_id}`)).statusCode).toBe(204);
    const event = await eventually(async () => {
      const { events } = (await api('GET', '/api/v1/audit?action=gitlab_hook_removal_failed')).json() as {
        events: { project_id: number | null; after: { error: string; hook_id: number } }[];
      };
      return events.find((e) => e.project_id === status.project_id);
    }, 'the audit event');
    expect(event.after).toMatchObject({ hook_id: status.hook_id, error: expect.stringContaining('403') });
  });

  it('a removal still failing on its last attempt (GitLab unreachable) is in the audit log', async () => {
    const { source, status } = await importOne('unreachable-delete');
    gitlab.failNext({
      path: new RegExp(`/projects/${source.id}/hooks/`),
      status: 0,
      hangUp: true,
      times: 1_000,
    });
    const me = await server.ctx.db
      .selectFrom('users')
      .select('id')
      .where('login', '=', 'admin')
      .executeTakeFirstOrThrow();
    // The job as deleting the project queues it, here with one attempt only: this one is the last.
    await server.ctx.jobs.add(
      server.ctx.db,
      'gitlab_remove_hook',
      {
        gitlab_url: gitlab.url,
        gitlab_project_id: source.id,
        hook_id: status.hook_id,
        user_id: me.id,
        project_id: status.project_id,
      },
      { maxAttempts: 1 },
    );
    const event = await eventually(async () => {
      const { events } = (await api('GET', '/api/v1/audit?action=gitlab_hook_removal_failed')).json() as {
        events: { project_id: number | null; after: { error: string } }[];
      };
      return events.find((e) => e.project_id === status.project_id);
    }, 'the audit event');
    expect(event.after.error).toContain('did not answer');
    gitlab.clearFailures();
  });

  it('deleting the project removes its webhook from GitLab', async () => {
    const { source, status } = await importOne('deleted');
    expect(gitlab.hooks.some((h) => h.project_id === source.id)).toBe(true);
    expect((await api('DELETE', `/api/v1/projects/${status.project_id}`)).statusCode).toBe(204);
    await eventually(
      async () => !gitlab.hooks.some((h) => h.project_id === source.id),
      'the webhook removal',
    );
  });
});

describe('deploy keys', () => {
  it('linking a runner registers its key read-only, once, and shows the state on the project', async () => {
    const { source, status } = await importOne('keyed');
    const { runner, key } = await runnerWithKey('deployer');
    const res = await api('PATCH', `/api/v1/projects/${status.project_id}`, { runner_id: runner.id });
    expect(res.statusCode, res.body).toBe(200);
    const state = await eventually(async () => {
      const s = (await api('GET', `/api/v1/projects/${status.project_id}/gitlab`)).json();
      return s.deploy_key_state === 'registered' && s;
    }, 'the deploy key');
    const keys = gitlab.keysOf(source.id);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ can_push: false, fingerprint_sha256: sshFingerprint(key.normalized) });
    expect(keys[0]!.title).toContain('polytene.example.test');
    expect(keys[0]!.title).toContain('deployer');
    expect(state.deploy_keys[0]).toMatchObject({
      runner_id: runner.id,
      state: 'registered',
      gitlab_key_id: keys[0]!.id,
    });

    await server.ctx.db.transaction().execute(async (trx) => {
      const { queueDeployKeyRegistration } = await import('./tasks.js');
      await queueDeployKeyRegistration(server.ctx, trx, status.project_id);
    });
    await eventually(
      async () =>
        (await api('GET', `/api/v1/projects/${status.project_id}/gitlab`)).json().deploy_key_state ===
        'registered',
      'the second run',
    );
    expect(gitlab.keysOf(source.id)).toHaveLength(1);
  });

  it('enables a key GitLab already has in another project instead of adding it again', async () => {
    const { runner } = await runnerWithKey('shared-key');
    const first = await importOne('first-repo');
    const second = await importOne('second-repo');
    for (const p of [first, second]) {
      await api('PATCH', `/api/v1/projects/${p.status.project_id}`, { runner_id: runner.id });
      await eventually(
        async () =>
          (await api('GET', `/api/v1/projects/${p.status.project_id}/gitlab`)).json().deploy_key_state ===
          'registered',
        'registration',
      );
    }
    const [a] = gitlab.keysOf(first.source.id);
    const [b] = gitlab.keysOf(second.source.id);
    expect(b!.id).toBe(a!.id);
    expect(gitlab.received.some((r) => r.path.endsWith(`/deploy_keys/${a!.id}/enable`))).toBe(true);
  });

  it('a refused registration is failed with GitLab’s reason, visible on the project', async () => {
    const { source, status } = await importOne('locked');
    const { runner } = await runnerWithKey('refused');
    gitlab.failNext({
      method: 'POST',
      path: new RegExp(`/projects/${source.id}/deploy_keys$`),
      status: 403,
      body: { message: '403 Forbidden' },
    });
    await api('PATCH', `/api/v1/projects/${status.project_id}`, { runner_id: runner.id });
    const state = await eventually(async () => {
      const s = (await api('GET', `/api/v1/projects/${status.project_id}/gitlab`)).json();
      return s.deploy_key_state === 'failed' && s;
    }, 'the failure');
    expect(state.deploy_key_error).toContain('403');
  });
});

describe('report back', () => {
  // The two moves follow at once, so the report jobs may see only the end: the start is still reported.
  it('reports start and end to the Deployments API and as commit status polytene/<environment>', async () => {
    const { source, status } = await importOne('reported');
    const deployment = await deploymentOf(status.project_id);
    await move(deployment.id, 'running');
    await move(deployment.id, 'succeeded');
    await eventually(
      async () => gitlab.statuses.some((s) => s.project_id === source.id && s.status === 'success'),
      'the report',
    );
    const calls = gitlab
      .writes()
      .filter((w) => w.includes(`/projects/${source.id}/`) && !w.includes('hooks'));
    const created = gitlab.deployments.find((d) => d.project_id === source.id)!;
    expect(calls).toEqual([
      `POST /api/v4/projects/${source.id}/deployments`,
      `POST /api/v4/projects/${source.id}/statuses/${created.sha}`,
      `PUT /api/v4/projects/${source.id}/deployments/${created.id}`,
      `POST /api/v4/projects/${source.id}/statuses/${created.sha}`,
    ]);
    expect(created).toMatchObject({ environment: 'staging', ref: 'main', status: 'success' });
    const commit = gitlab.statuses.filter((s) => s.project_id === source.id);
    expect(commit.map((s) => s.status)).toEqual(['running', 'success']);
    expect(commit[1]).toMatchObject({
      name: 'polytene/staging',
      target_url: `https://polytene.example.test/deployments/${deployment.id}`,
    });
  });

  it('a GitLab outage never fails the deployment; the error is stored and retried', async () => {
    const { source, status } = await importOne('outage');
    const deployment = await deploymentOf(status.project_id);
    // GitLab stays down until the test has seen the stored error (a single failure could be retried and
    // cleared before the test looks), then comes back and the retry reports the deployment.
    gitlab.failNext({
      path: new RegExp(`/projects/${source.id}/deployments`),
      status: 503,
      body: { message: 'down' },
      times: 1_000,
    });
    await move(deployment.id, 'running');
    await move(deployment.id, 'succeeded');
    const row = await server.ctx.db
      .selectFrom('deployments')
      .select('status')
      .where('id', '=', deployment.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('succeeded');
    const report = () =>
      server.ctx.db
        .selectFrom('gitlab_deployment_reports')
        .selectAll()
        .where('deployment_id', '=', deployment.id)
        .executeTakeFirst();
    await eventually(async () => (await report())?.error?.includes('503'), 'the stored error');
    gitlab.clearFailures();
    const recovered = await eventually(async () => {
      const now = await report();
      return now?.deployment_status === 'success' && now.error === null && now;
    }, 'the retried report');
    expect(recovered.gitlab_deployment_id).not.toBeNull();
  });

  it('does not report when reporting is off for the project', async () => {
    const { source, status } = await importOne('quiet');
    await api('PATCH', `/api/v1/projects/${status.project_id}`, { gitlab_report: false });
    const deployment = await deploymentOf(status.project_id);
    await move(deployment.id, 'running');
    await new Promise((r) => setTimeout(r, 2500));
    expect(gitlab.statuses.some((s) => s.project_id === source.id)).toBe(false);
  });
});

describe('webhook secret regeneration', () => {
  beforeAll(async () => {
    await connect();
  });
  const gitlabStatus = async (projectId: number) =>
    (await api('GET', `/api/v1/projects/${projectId}/gitlab`)).json() as {
      hook_id: number | null;
      hook_state: string | null;
      hook_error: string | null;
    };
  const secretOf = async (projectId: number) =>
    (await api('GET', `/api/v1/projects/${projectId}`)).json().webhook_secret as string;

  it('updates the token of Polytene’s hook in GitLab (PUT, same hook, same events)', async () => {
    const { source, status } = await importOne('rekeyed');
    expect((await gitlabStatus(status.project_id)).hook_state).toBe('registered');
    const before = await secretOf(status.project_id);
    const res = await api('POST', `/api/v1/projects/${status.project_id}/webhook-secret`);
    expect(res.statusCode).toBe(200);
    const secret = res.json().webhook_secret as string;
    expect(secret).not.toBe(before);
    const state = await eventually(async () => {
      const s = await gitlabStatus(status.project_id);
      return (
        s.hook_state === 'registered' && gitlab.hooks.find((h) => h.id === s.hook_id)?.token === secret && s
      );
    }, 'the new token in GitLab');
    expect(state).toMatchObject({ hook_id: status.hook_id, hook_error: null });
    expect(gitlab.hooks.filter((h) => h.project_id === source.id)).toHaveLength(1);
    expect(gitlab.hooks.find((h) => h.id === status.hook_id)).toMatchObject({
      url: `https://polytene.example.test/api/v1/projects/${status.project_id}/hooks/gitlab`,
      pipeline_events: true,
      job_events: true,
      push_events: false,
      enable_ssl_verification: true,
    });
    const put = gitlab.received.filter(
      (r) => r.method === 'PUT' && r.path.endsWith(`/hooks/${status.hook_id}`),
    );
    expect(put).toHaveLength(1);
    expect(put[0]!.body).toMatchObject({ token: secret, url: expect.stringContaining('/hooks/gitlab') });
  });

  it('shows the update pending with GitLab’s error while GitLab is down, then registered after the retry', async () => {
    const { status } = await importOne('rekeyed-outage');
    const hookPath = new RegExp(`/hooks/${status.hook_id}$`);
    gitlab.failNext({ method: 'PUT', path: hookPath, status: 503, body: { message: 'down' }, times: 1_000 });
    await api('POST', `/api/v1/projects/${status.project_id}/webhook-secret`);
    const pending = await eventually(async () => {
      const s = await gitlabStatus(status.project_id);
      return s.hook_error?.includes('503') && s;
    }, 'the stored error');
    expect(pending.hook_state).toBe('pending');
    gitlab.clearFailures();
    const secret = await secretOf(status.project_id);
    await eventually(async () => {
      const s = await gitlabStatus(status.project_id);
      return s.hook_state === 'registered' && s.hook_error === null;
    }, 'the retried update');
    expect(gitlab.hooks.find((h) => h.id === status.hook_id)!.token).toBe(secret);
  });

  it('a refused update is failed with GitLab’s reason, and is not retried', async () => {
    const { status } = await importOne('rekeyed-refused');
    gitlab.failNext({
      method: 'PUT',
      path: new RegExp(`/hooks/${status.hook_id}$`),
      status: 403,
      body: { message: '403 Forbidden' },
    });
    await api('POST', `/api/v1/projects/${status.project_id}/webhook-secret`);
    const failed = await eventually(async () => {
      const s = await gitlabStatus(status.project_id);
      return s.hook_state === 'failed' && s;
    }, 'the failure');
    expect(failed.hook_error).toContain('403');
    expect(failed.hook_error).toContain('Maintainer');
    await new Promise((r) => setTimeout(r, 3_500));
    const puts = gitlab.received.filter((r) => r.method === 'PUT' && hookPath(r.path));
    expect(puts).toHaveLength(1);
    function hookPath(path: string) {
      return path.endsWith(`/hooks/${status.hook_id}`);
    }
  });

  it('adds the hook again with the new secret when it was deleted in GitLab', async () => {
    const { source, status } = await importOne('rekeyed-gone');
    gitlab.hooks.splice(
      gitlab.hooks.findIndex((h) => h.id === status.hook_id),
      1,
    );
    const secret = (await api('POST', `/api/v1/projects/${status.project_id}/webhook-secret`)).json()
      .webhook_secret as string;
    const state = await eventually(async () => {
      const s = await gitlabStatus(status.project_id);
      return s.hook_state === 'registered' && s.hook_id !== status.hook_id && s;
    }, 'the new hook');
    const hooks = gitlab.hooks.filter((h) => h.project_id === source.id);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ id: state.hook_id, token: secret, pipeline_events: true });
  });

  it('a manual project has no GitLab hook to update', async () => {
    const created = await api('POST', '/api/v1/projects', {
      name: 'manual-rekey',
      clone_url: 'git@example.test:manual.git',
    });
    expect(created.statusCode, created.body).toBe(201);
    const before = gitlab.received.length;
    const res = await api('POST', `/api/v1/projects/${created.json().id}/webhook-secret`);
    expect(res.statusCode).toBe(200);
    expect((await gitlabStatus(created.json().id)).hook_state).toBeNull();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(gitlab.received.slice(before).filter((r) => r.path.includes('/hooks'))).toEqual([]);
  });
});

describe('deploy keys when runners change', () => {
  beforeAll(async () => {
    await connect();
  });

  const hello = (token: string, publicKey: string) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/runner/hello',
      headers: { authorization: `Bearer ${token}` },
      payload: { version: '1.0.0', hostname: 'deploy-host', public_key: publicKey, concurrency: 1 },
    });
  const keyState = async (projectId: number) =>
    (await api('GET', `/api/v1/projects/${projectId}/gitlab`)).json() as {
      deploy_key_state: string | null;
      deploy_keys: { runner_id: number; fingerprint: string; state: string }[];
    };
  /** Waits until the project's keys are exactly `runnerIds`, all registered with their current keys. */
  async function registeredFor(projectId: number, runners: { id: number; fingerprint: string }[]) {
    const want = JSON.stringify(runners.map((r) => [r.id, r.fingerprint, 'registered']));
    return eventually(async () => {
      const s = await keyState(projectId);
      const have = JSON.stringify(s.deploy_keys.map((k) => [k.runner_id, k.fingerprint, k.state]));
      return s.deploy_key_state === 'registered' && have === want && s;
    }, `the deploy keys of project ${projectId}`);
  }
  const fingerprints = (gitlabProjectId: number) =>
    gitlab.keysOf(gitlabProjectId).map((k) => k.fingerprint_sha256);

  it('changing the linked runner registers the new runner’s key and drops the old one from the state', async () => {
    const { source, status } = await importOne('switched');
    const a = await runnerWithKey('switch-a');
    const b = await runnerWithKey('switch-b');
    await api('PATCH', `/api/v1/projects/${status.project_id}`, { runner_id: a.runner.id });
    await registeredFor(status.project_id, [{ id: a.runner.id, fingerprint: a.key.fingerprint }]);
    await api('PATCH', `/api/v1/projects/${status.project_id}`, { runner_id: b.runner.id });
    await registeredFor(status.project_id, [{ id: b.runner.id, fingerprint: b.key.fingerprint }]);
    expect(fingerprints(source.id)).toContain(sshFingerprint(b.key.normalized));
  });

  it('a linked runner’s new key sent with hello is registered again', async () => {
    const { source, status } = await importOne('rekeyed-runner');
    const { runner, token } = await insertRunner(server, { name: 'rekeying' });
    const first = ed25519Key('first');
    expect((await hello(token, first)).statusCode).toBe(200);
    await api('PATCH', `/api/v1/projects/${status.project_id}`, { runner_id: runner.id });
    await registeredFor(status.project_id, [
      { id: runner.id, fingerprint: parsePublicKey(first)!.fingerprint },
    ]);
    const second = ed25519Key('second');
    expect((await hello(token, second)).statusCode).toBe(200);
    await registeredFor(status.project_id, [
      { id: runner.id, fingerprint: parsePublicKey(second)!.fingerprint },
    ]);
    expect(fingerprints(source.id)).toContain(sshFingerprint(second));
  });

  it('a runner made shared registers its key in every GitLab project; unshared, it leaves their state', async () => {
    const one = await importOne('shared-one');
    const two = await importOne('shared-two');
    const { runner, key } = await runnerWithKey('sharing');
    const res = await api('PATCH', `/api/v1/runners/${runner.id}`, { shared: true });
    expect(res.statusCode, res.body).toBe(200);
    for (const p of [one, two]) {
      await registeredFor(p.status.project_id, [{ id: runner.id, fingerprint: key.fingerprint }]);
      expect(fingerprints(p.source.id)).toEqual([sshFingerprint(key.normalized)]);
    }

    const later = await importOne('shared-later');
    await registeredFor(later.status.project_id, [{ id: runner.id, fingerprint: key.fingerprint }]);

    // Paused, it takes no deployments and leaves the state; resumed, its key is registered again.
    await api('PATCH', `/api/v1/runners/${runner.id}`, { active: false });
    await eventually(
      async () => (await keyState(one.status.project_id)).deploy_keys.length === 0,
      'the paused runner to leave the state',
    );
    gitlab.projectKeys.get(one.source.id)!.clear();
    await api('PATCH', `/api/v1/runners/${runner.id}`, { active: true });
    await registeredFor(one.status.project_id, [{ id: runner.id, fingerprint: key.fingerprint }]);
    expect(fingerprints(one.source.id)).toEqual([sshFingerprint(key.normalized)]);

    await api('PATCH', `/api/v1/runners/${runner.id}`, { shared: false });
    for (const p of [one, two, later]) {
      await eventually(async () => {
        const s = await keyState(p.status.project_id);
        return s.deploy_keys.length === 0 && s.deploy_key_state === null;
      }, 'the unshared runner to leave the state');
    }
    await api('DELETE', `/api/v1/runners/${runner.id}`);
  });

  it('a shared runner’s new key sent with hello is registered in every GitLab project', async () => {
    const one = await importOne('hello-one');
    const { runner, token } = await insertRunner(server, { name: 'shared-hello', shared: true });
    const two = await importOne('hello-two');
    const publicKey = ed25519Key('shared');
    expect((await hello(token, publicKey)).statusCode).toBe(200);
    for (const p of [one, two]) {
      await registeredFor(p.status.project_id, [
        { id: runner.id, fingerprint: parsePublicKey(publicKey)!.fingerprint },
      ]);
      expect(fingerprints(p.source.id)).toContain(sshFingerprint(publicKey));
    }
    await api('DELETE', `/api/v1/runners/${runner.id}`);
  });
});

/**
 * Each way GitLab can fail, as seen by each part of the integration: the error is stored where a person
 * looks (connection, import answer, project's GitLab state, deployment report) and names the cause.
 * Transient ones (429, unreachable) are retried by the queue, so the stand-in keeps failing until checked.
 */
describe('every GitLab error class gives a clear stored error', () => {
  beforeAll(async () => {
    await connect();
  });
  afterEach(() => gitlab.clearFailures());

  interface ErrorClass {
    name: string;
    failure: Omit<InjectedFailure, 'path' | 'method'>;
    kind: string;
    says: RegExp;
    transient: boolean;
  }
  const classes: ErrorClass[] = [
    {
      name: '401',
      failure: { status: 401, body: { message: '401 Unauthorized' } },
      kind: 'unauthorized',
      says: /refused the token \(401\)/,
      transient: false,
    },
    {
      name: '403',
      failure: { status: 403, body: { message: '403 Forbidden' } },
      kind: 'forbidden',
      says: /\(403\).*Maintainer/,
      transient: false,
    },
    {
      name: '404',
      failure: { status: 404, body: { message: '404 Project Not Found' } },
      kind: 'not_found',
      says: /404.*Project Not Found/,
      transient: false,
    },
    {
      name: '429 with Retry-After',
      failure: {
        status: 429,
        body: { message: 'Retry later' },
        headers: { 'retry-after': '60' },
        times: 1_000,
      },
      kind: 'rate_limited',
      says: /429 Too Many Requests/,
      transient: true,
    },
    {
      name: 'unreachable',
      failure: { status: 0, hangUp: true, times: 1_000 },
      kind: 'unreachable',
      says: /did not answer/,
      transient: true,
    },
    {
      name: 'malformed answer',
      failure: { status: 200, raw: '<html>sign in</html>', contentType: 'text/html' },
      kind: 'malformed',
      says: /unexpected answer/,
      transient: false,
    },
  ];

  // A 404 for GET /user means a wrong base URL: its own test below.
  it.each(classes.filter((c) => c.kind !== 'not_found'))('connection verify: $name', async (c) => {
    gitlab.failNext({ path: /\/api\/v4\/user$/, ...c.failure });
    const res = (await api('POST', '/api/v1/user/gitlab/verify')).json();
    expect(res).toMatchObject({ ok: false, error: { kind: c.kind } });
    expect(res.error.message).toMatch(c.says);
    expect((await api('GET', '/api/v1/user/gitlab')).json().last_error).toBe(res.error.message);
  });

  it('connection verify: a URL that is not GitLab’s base URL (404) says so', async () => {
    await connect('admin-token', `${gitlab.url}/group/project`);
    const res = (await api('POST', '/api/v1/user/gitlab/verify')).json();
    expect(res).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    expect(res.error.message).toContain('has no GitLab API');
    expect((await api('GET', '/api/v1/user/gitlab')).json().last_error).toContain('has no GitLab API');
    await connect();
  });

  it.each(classes)('import: $name answers 502 naming it, stores it, writes nothing', async (c) => {
    const source = gitlab.addProject({ name: `import-${c.kind}` });
    gitlab.failNext({ method: 'GET', path: new RegExp(`/projects/${source.id}$`), ...c.failure });
    const before = await server.ctx.db.selectFrom('projects').select('id').execute();
    const res = await api('POST', '/api/v1/gitlab/import', { project_ids: [source.id] });
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toMatchObject({
      code: `GITLAB_${c.kind.toUpperCase()}`,
      details: { kind: c.kind },
    });
    expect(res.json().error.message).toMatch(c.says);
    expect((await api('GET', '/api/v1/user/gitlab')).json().last_error).toBe(res.json().error.message);
    expect(await server.ctx.db.selectFrom('projects').select('id').execute()).toHaveLength(before.length);
    expect(gitlab.hooks.some((h) => h.project_id === source.id)).toBe(false);
  });

  it.each(classes)('deploy keys: $name is stored on the project', async (c) => {
    const { source, status } = await importOne(`keys-${c.kind}`);
    const { runner } = await runnerWithKey(`keys-${c.kind}`);
    gitlab.failNext({ path: new RegExp(`/projects/${source.id}/deploy_keys`), ...c.failure });
    await api('PATCH', `/api/v1/projects/${status.project_id}`, { runner_id: runner.id });
    const state = await eventually(async () => {
      const s = (await api('GET', `/api/v1/projects/${status.project_id}/gitlab`)).json();
      return c.says.test(s.deploy_key_error ?? '') && s;
    }, 'the stored error');
    expect(state.deploy_key_state).toBe(c.transient ? 'pending' : 'failed');
    expect(state.deploy_keys[0]).toMatchObject({ runner_id: runner.id, state: state.deploy_key_state });
    if (!c.transient) return;
    gitlab.clearFailures();
    await eventually(async () => {
      const s = (await api('GET', `/api/v1/projects/${status.project_id}/gitlab`)).json();
      return s.deploy_key_state === 'registered' && s.deploy_key_error === null;
    }, 'the retried registration');
  });

  it.each(classes)('report back: $name is stored on the report and never fails the deployment', async (c) => {
    const { source, status } = await importOne(`report-${c.kind}`);
    const deployment = await deploymentOf(status.project_id);
    gitlab.failNext({ path: new RegExp(`/projects/${source.id}/deployments`), ...c.failure });
    await move(deployment.id, 'running');
    const report = await eventually(
      async () =>
        server.ctx.db
          .selectFrom('gitlab_deployment_reports')
          .selectAll()
          .where('deployment_id', '=', deployment.id)
          .where('error', 'is not', null)
          .executeTakeFirst(),
      'the stored error',
    );
    expect(report.error).toMatch(c.says);
    expect((await api('GET', `/api/v1/projects/${status.project_id}/gitlab`)).json().last_report_error).toBe(
      report.error,
    );
    const row = await server.ctx.db
      .selectFrom('deployments')
      .select('status')
      .where('id', '=', deployment.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('running');
  });
});
