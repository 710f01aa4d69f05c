import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession, signedInUser, useTestServer, type SessionHeaders } from '../test-support/server.js';
import { GitlabStandin } from '../test-support/gitlab-standin.js';

const server = useTestServer();
let gitlab: GitlabStandin;
let admin: SessionHeaders;
let member: SessionHeaders;

beforeAll(async () => {
  gitlab = await new GitlabStandin().start();
  gitlab.addUser('member-token', { username: 'mia' });
  admin = await adminSession(server);
  ({ session: member } = await signedInUser(server, { login: 'mia' }));
});
afterAll(() => gitlab.close());

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
const as =
  (headers: () => SessionHeaders) => (method: Method, url: string, payload?: Record<string, unknown>) =>
    server.app.inject(
      payload === undefined
        ? { method, url, headers: headers() }
        : { method, url, headers: headers(), payload },
    );
const asAdmin = as(() => admin);
const asMember = as(() => member);

/** A TCP port that counts the connections made to it and answers in a protocol other than HTTP. */
async function listeningPort(): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const sockets: Socket[] = [];
  const tcp: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', () => socket.end('\u0000\u0000\u0000\u0008not http\n'));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const port = (tcp.address() as { port: number }).port;
  return {
    port,
    connections: () => sockets.length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

describe('a member cannot point the server at an address', () => {
  it('PUT /user/gitlab with a URL is refused, and verify opens no connection to it', async () => {
    const target = await listeningPort();
    try {
      const put = await asMember('PUT', '/api/v1/user/gitlab', {
        gitlab_url: `http://127.0.0.1:${target.port}`,
        token: 'member-token',
      });
      expect(put.statusCode, put.body).toBe(400);
      expect(put.json().error.details).toContainEqual(
        expect.objectContaining({ field: 'gitlab_url', code: 'unknown_field' }),
      );
      await asMember('POST', '/api/v1/user/gitlab/verify');
      await new Promise((r) => setTimeout(r, 200));
      expect(target.connections()).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('a member may not create, change or delete GitLab instances', async () => {
    const create = await asMember('POST', '/api/v1/gitlab/instances', { name: 'mine', url: gitlab.url });
    expect(create.statusCode).toBe(403);
    const created = await asAdmin('POST', '/api/v1/gitlab/instances', { name: 'guarded', url: gitlab.url });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as number;
    expect(
      (await asMember('PATCH', `/api/v1/gitlab/instances/${id}`, { url: 'http://127.0.0.1:5432' }))
        .statusCode,
    ).toBe(403);
    expect((await asMember('DELETE', `/api/v1/gitlab/instances/${id}`)).statusCode).toBe(403);
    expect((await asAdmin('DELETE', `/api/v1/gitlab/instances/${id}`)).statusCode).toBe(204);
  });

  it('an instance_id no admin configured is refused in words', async () => {
    const res = await asMember('PUT', '/api/v1/user/gitlab', { instance_id: 987654, token: 'member-token' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toMatch(/no GitLab instance 987654/);
  });
});

describe('GitLab instances (admin setting)', () => {
  let instanceId: number;

  it('an admin adds an instance; members list it (id, name, url) and connect with a token only', async () => {
    const created = await asAdmin('POST', '/api/v1/gitlab/instances', {
      name: 'Company GitLab',
      url: `${gitlab.url}/`,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ name: 'Company GitLab', url: gitlab.url });
    instanceId = created.json().id;

    const listed = await asMember('GET', '/api/v1/gitlab/instances');
    expect(listed.statusCode).toBe(200);
    expect(listed.json().instances).toContainEqual({
      id: instanceId,
      name: 'Company GitLab',
      url: gitlab.url,
    });

    const put = await asMember('PUT', '/api/v1/user/gitlab', {
      instance_id: instanceId,
      token: 'member-token',
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      connected: true,
      instance: { id: instanceId, name: 'Company GitLab', url: gitlab.url },
      gitlab_url: gitlab.url,
    });
    expect(put.body).not.toContain('member-token');
  });

  it('verify calls the instance URL', async () => {
    const before = gitlab.received.length;
    const res = await asMember('POST', '/api/v1/user/gitlab/verify');
    expect(res.json()).toMatchObject({ ok: true, user: { username: 'mia' } });
    const calls = gitlab.received.slice(before);
    expect(
      calls.some((r) => r.path === '/api/v4/user' && r.headers['private-token'] === 'member-token'),
    ).toBe(true);
  });

  it('refuses an instance URL that is not http(s) or carries credentials, naming the field', async () => {
    for (const url of [
      'ftp://gitlab.example.com',
      'gitlab.example.com',
      'https://root:pw@gitlab.example.com',
    ]) {
      const res = await asAdmin('POST', '/api/v1/gitlab/instances', { name: `bad ${url}`, url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.details[0].field).toBe('url');
    }
    const patch = await asAdmin('PATCH', `/api/v1/gitlab/instances/${instanceId}`, {
      url: 'file:///etc/passwd',
    });
    expect(patch.statusCode).toBe(400);
  });

  it('refuses a second instance with the same URL or name', async () => {
    const url = await asAdmin('POST', '/api/v1/gitlab/instances', { name: 'Other', url: gitlab.url });
    expect(url.statusCode).toBe(409);
    const name = await asAdmin('POST', '/api/v1/gitlab/instances', {
      name: 'Company GitLab',
      url: 'https://gitlab.example.com',
    });
    expect(name.statusCode).toBe(409);
  });

  it('changing the URL moves the connections with it; changes are audited', async () => {
    const moved = await asAdmin('PATCH', `/api/v1/gitlab/instances/${instanceId}`, {
      url: 'http://127.0.0.1:1',
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const verify = (await asMember('POST', '/api/v1/user/gitlab/verify')).json();
    expect(verify).toMatchObject({ ok: false, error: { kind: 'unreachable' } });
    await asAdmin('PATCH', `/api/v1/gitlab/instances/${instanceId}`, { url: gitlab.url, name: 'GitLab' });
    expect((await asMember('POST', '/api/v1/user/gitlab/verify')).json().ok).toBe(true);

    const { events } = (await asAdmin('GET', '/api/v1/audit?entity_type=gitlab_instance')).json() as {
      events: { action: string; entity_id: string }[];
    };
    const actions = events.filter((e) => e.entity_id === String(instanceId)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['gitlab_instance_created', 'gitlab_instance_updated']));
  });

  it('deleting an instance removes the tokens stored for it', async () => {
    const created = await asAdmin('POST', '/api/v1/gitlab/instances', {
      name: 'Short-lived',
      url: 'https://short.example.test',
    });
    const id = created.json().id as number;
    await asMember('PUT', '/api/v1/user/gitlab', { instance_id: id, token: 'member-token' });
    expect((await asAdmin('DELETE', `/api/v1/gitlab/instances/${id}`)).statusCode).toBe(204);
    expect((await asMember('GET', '/api/v1/user/gitlab')).json()).toMatchObject({
      connected: false,
      instance: null,
    });
    const { events } = (await asAdmin('GET', '/api/v1/audit?action=gitlab_instance_deleted')).json() as {
      events: { entity_id: string; before: { connections_removed: number } }[];
    };
    expect(events.find((e) => e.entity_id === String(id))?.before.connections_removed).toBe(1);
    expect((await asAdmin('DELETE', `/api/v1/gitlab/instances/${id}`)).statusCode).toBe(404);
  });
});

describe('the OpenAPI document', () => {
  it('describes the instance routes, and the connection body as instance_id + token', async () => {
    const doc = (await asAdmin('GET', '/api/docs/json')).json() as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    expect(Object.keys(doc.paths['/api/v1/gitlab/instances'] ?? {})).toEqual(
      expect.arrayContaining(['get', 'post']),
    );
    expect(Object.keys(doc.paths['/api/v1/gitlab/instances/{id}'] ?? {})).toEqual(
      expect.arrayContaining(['patch', 'delete']),
    );
    const body = doc.paths['/api/v1/user/gitlab']!.put!.requestBody!.content['application/json']!.schema as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(body.properties).sort()).toEqual(['instance_id', 'token']);
  });
});

describe('verify errors in plain words', () => {
  it('a closed port and a port that does not speak HTTP read the same, with no socket codes', async () => {
    const target = await listeningPort();
    const closed = await listeningPort();
    await closed.close();
    const messages: string[] = [];
    try {
      for (const port of [target.port, closed.port]) {
        const created = await asAdmin('POST', '/api/v1/gitlab/instances', {
          name: `port ${port}`,
          url: `http://127.0.0.1:${port}`,
        });
        await asMember('PUT', '/api/v1/user/gitlab', {
          instance_id: created.json().id,
          token: 'member-token',
        });
        const verify = (await asMember('POST', '/api/v1/user/gitlab/verify')).json();
        expect(verify.ok).toBe(false);
        messages.push(verify.error.message.replace(String(port), 'PORT'));
      }
    } finally {
      await target.close();
    }
    expect(messages[0]).toBe(messages[1]);
    expect(messages[0]).toMatch(/did not answer/);
    expect(messages.join(' ')).not.toMatch(/E[A-Z]{3,}|UND_ERR|HPE_/);
  });
});
