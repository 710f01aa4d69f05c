import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitlabStandin } from '../test-support/gitlab-standin.js';
import { GitlabClient } from './client.js';
import { GitlabError } from './errors.js';

let gitlab: GitlabStandin;
let client: GitlabClient;
beforeAll(async () => {
  gitlab = await new GitlabStandin().start();
  gitlab.addUser('good-token', { username: 'alice' });
  gitlab.addUser('read-token', { username: 'reader' }, ['read_api']);
  for (let i = 1; i <= 45; i++) gitlab.addProject({ name: `app-${i}` });
  client = new GitlabClient(gitlab.url, 'good-token');
});
afterAll(async () => gitlab.close());

async function failure(promise: Promise<unknown>): Promise<GitlabError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitlabError);
  return error as GitlabError;
}

describe('GitlabClient', () => {
  it('names the user a token belongs to', async () => {
    expect((await client.currentUser()).username).toBe('alice');
    expect(await client.tokenScopes()).toEqual(['api']);
  });

  it('asks GitLab for one page and passes its page info through', async () => {
    const { projects, pageInfo } = await client.listProjects({ page: 2, perPage: 20 });
    expect(projects).toHaveLength(20);
    expect(pageInfo).toEqual({
      page: 2,
      per_page: 20,
      next_page: 3,
      prev_page: 1,
      total: 45,
      total_pages: 3,
    });
    const request = gitlab.received.filter((r) => r.path === '/api/v4/projects').pop()!;
    expect(request.query).toMatchObject({ page: '2', per_page: '20', membership: 'true' });
  });

  it('searches by name', async () => {
    const { projects } = await client.listProjects({ search: 'app-4', page: 1, perPage: 20 });
    expect(projects.map((p) => p.name).sort()).toEqual([
      'app-4',
      'app-40',
      'app-41',
      'app-42',
      'app-43',
      'app-44',
      'app-45',
    ]);
  });

  it('classifies a refused token as unauthorized', async () => {
    const error = await failure(new GitlabClient(gitlab.url, 'wrong').currentUser());
    expect(error.kind).toBe('unauthorized');
    expect(error.status).toBe(401);
  });

  it('classifies a read-only token writing as insufficient scope', async () => {
    const project = gitlab.addProject({ name: 'scoped' });
    const error = await failure(
      new GitlabClient(gitlab.url, 'read-token').addHook(project.id, 'http://x/h', 's'),
    );
    expect(error.kind).toBe('insufficient_scope');
    expect(error.message).toContain('"api" scope');
  });

  it('classifies a missing project as not found', async () => {
    expect((await failure(client.project(999_999))).kind).toBe('not_found');
  });

  it('classifies a closed port as unreachable, and a bad URL before any request', async () => {
    const closed = new GitlabStandin();
    await closed.start();
    await closed.close();
    expect((await failure(new GitlabClient(closed.url, 't').currentUser())).kind).toBe('unreachable');
    expect(() => new GitlabClient('ftp://gitlab.example', 't')).toThrow(/http/);
  });

  it('classifies answers that are not JSON or lack fields as malformed', async () => {
    gitlab.failNext({ path: /\/user$/, status: 200, raw: '{"id": 1, "user' });
    expect((await failure(client.currentUser())).kind).toBe('malformed');
    gitlab.failNext({ path: /\/user$/, status: 200, body: { id: 'one', username: 'a', name: 'A' } });
    const error = await failure(client.currentUser());
    expect(error.kind).toBe('malformed');
    expect(error.message).toContain('/id');
    gitlab.failNext({
      path: /\/user$/,
      status: 200,
      raw: '<html>proxy login</html>',
      contentType: 'text/html',
    });
    expect((await failure(client.currentUser())).kind).toBe('malformed');
  });

  it('classifies 429 on every retry as rate limited and 500 as a server error', async () => {
    gitlab.failNext({
      path: /\/user$/,
      status: 429,
      raw: 'Retry later',
      contentType: 'text/plain',
      times: 10,
    });
    expect((await failure(client.currentUser())).kind).toBe('rate_limited');
    gitlab.failNext({ path: /\/user$/, status: 500, body: { message: '500 Internal Server Error' } });
    expect((await failure(client.currentUser())).kind).toBe('server_error');
  });

  it('follows the Link header through every page of deploy keys', async () => {
    const project = gitlab.addProject({ name: 'keys' });
    const keys = new Map<number, boolean>();
    for (let i = 0; i < 130; i++) {
      const id = 50_000 + i;
      gitlab.deployKeys.push({
        id,
        title: `k${i}`,
        key: `ssh-ed25519 AAAA${i}`,
        fingerprint_sha256: `SHA256:${i}`,
        created_at: '2024-01-01T00:00:00Z',
        expires_at: null,
      });
      keys.set(id, false);
    }
    gitlab.projectKeys.set(project.id, keys);
    expect(await client.projectDeployKeys(project.id)).toHaveLength(130);
  });
});
