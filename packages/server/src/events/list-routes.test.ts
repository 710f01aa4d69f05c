import { beforeAll, describe, expect, it } from 'vitest';
import type { ListEvent } from '@polytene/protocol';
import { SseReader, type SseEvent } from '../../../../e2e/support/sse.js';
import { bearerFor, useTestServer, type SessionHeaders, signedInUser } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertMember,
  insertProject,
  insertRunner,
  randomSha,
} from '../test-support/fixtures.js';
import type { Project } from '../db/schema.js';
import { signBody } from '../intake/generic/signature.js';
import { LISTS_TOPIC } from './lists.js';
import { VISIBILITY_TTL_MS } from './list-stream.js';
import { watchRunners } from './list-routes.js';

const server = useTestServer();
let base: string;
let member: SessionHeaders;
let outsider: SessionHeaders;
let admin: SessionHeaders;
let project: Project;
let secret: string;
let open_: Project;
let openSecret: string;

beforeAll(async () => {
  base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const m = await signedInUser(server, { login: 'member' });
  member = m.session;
  ({ session: outsider } = await signedInUser(server, { login: 'outsider' }));
  ({ session: admin } = await signedInUser(server, { login: 'boss', role: 'admin' }));
  ({ project, webhookSecret: secret } = await insertProject(server, { name: 'private' }));
  await insertMember(server, project, m.user);
  await insertBranchConfig(server, { project_id: project.id, branch_name: 'main', deployment_type: 'auto' });
  ({ project: open_, webhookSecret: openSecret } = await insertProject(server, {
    name: 'open',
    public: true,
  }));
  await insertBranchConfig(server, { project_id: open_.id, branch_name: 'main', deployment_type: 'manual' });
});

/** Records a successful build through the generic intake; the branch auto-deploys it. */
async function recordBuild(target: Project, key: string): Promise<number> {
  const body = JSON.stringify({ ref: 'main', sha: randomSha(), status: 'success', external_id: randomSha() });
  const res = await server.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${target.id}/builds`,
    headers: { 'content-type': 'application/json', 'x-polytene-signature': signBody(key, body) },
    payload: body,
  });
  expect(res.statusCode).toBe(201);
  return (res.json() as { build: { id: number } }).build.id;
}

const open = (headers: Record<string, string>) => SseReader.open(`${base}/api/v1/events`, headers);
const cookieOf = (session: SessionHeaders) => ({ cookie: session.cookie });

/** Reads `change` events until one matches, failing after the timeout. */
async function until(
  reader: SseReader,
  match: (event: ListEvent) => boolean,
  timeoutMs = 5_000,
): Promise<ListEvent[]> {
  const seen: ListEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event: SseEvent | null = await reader.next(Math.max(1, deadline - Date.now()));
    if (!event) throw new Error('the stream ended');
    if (event.event !== 'change') continue;
    const data = JSON.parse(event.data) as ListEvent;
    seen.push(data);
    if (match(data)) return seen;
  }
}

const projectOf = (e: ListEvent) => ('project_id' in e ? e.project_id : null);

describe('GET /api/v1/events', () => {
  it('tells a member of the build and the deployment it queued in their project', async () => {
    const reader = await open(cookieOf(member));
    try {
      const buildId = await recordBuild(project, secret);
      const seen = await until(reader, (e) => e.kind === 'deployment' && e.build_id === buildId);
      expect(seen).toContainEqual({
        kind: 'build',
        project_id: project.id,
        build_id: buildId,
        status: 'success',
      });
      expect(seen.at(-1)).toMatchObject({ kind: 'deployment', project_id: project.id, status: 'queued' });
      expect(seen.at(-1)).toHaveProperty('environment_id');
    } finally {
      reader.close();
    }
  });

  it('shows a non-member nothing of a private project, while an admin sees it', async () => {
    const stranger = await open(cookieOf(outsider));
    const boss = await open(cookieOf(admin));
    try {
      const hidden = await recordBuild(project, secret);
      await until(boss, (e) => e.kind === 'build' && e.build_id === hidden);
      // A build of a public project comes after, through the same bus, so the outsider's stream
      // would have carried the private one before it.
      const visible = await recordBuild(open_, openSecret);
      const seen = await until(stranger, (e) => e.kind === 'build' && e.build_id === visible);
      expect(seen.filter((e) => projectOf(e) === project.id)).toEqual([]);
      expect(seen.filter((e) => projectOf(e) === open_.id).length).toBeGreaterThan(0);
    } finally {
      stranger.close();
      boss.close();
    }
  });

  it('works with a personal API token and refuses a caller without one', async () => {
    const reader = await open(await bearerFor(server, member));
    try {
      const buildId = await recordBuild(project, secret);
      await until(reader, (e) => e.kind === 'build' && e.build_id === buildId);
    } finally {
      reader.close();
    }
    const res = await fetch(`${base}/api/v1/events`);
    expect(res.status).toBe(401);
  });

  it('tells of environment changes and of runners the caller may see only', async () => {
    const reader = await open(cookieOf(member));
    try {
      const created = await server.app.inject({
        method: 'POST',
        url: `/api/v1/projects/${project.id}/environments`,
        headers: admin,
        payload: { name: 'qa-live' },
      });
      expect(created.statusCode).toBe(201);
      const environmentId = (created.json() as { id: number }).id;
      await until(reader, (e) => e.kind === 'environment' && e.environment_id === environmentId);

      const { runner: own } = await insertRunner(server, { shared: false });
      const { runner: shared } = await insertRunner(server, { shared: true });
      for (const runner of [own, shared]) {
        const res = await server.app.inject({
          method: 'PATCH',
          url: `/api/v1/runners/${runner.id}`,
          headers: admin,
          payload: { name: `renamed-${runner.id}` },
        });
        expect(res.statusCode).toBe(200);
      }
      const seen = await until(reader, (e) => e.kind === 'runner' && e.runner_id === shared.id);
      expect(seen.filter((e) => e.kind === 'runner')).toEqual([
        { kind: 'runner', runner_id: shared.id, change: 'updated' },
      ]);
    } finally {
      reader.close();
    }
  });

  it('starts telling a new member of the project within seconds, re-reading what they see', async () => {
    const { user, session } = await signedInUser(server, { login: 'newcomer' });
    const reader = await open(cookieOf(session));
    try {
      await insertMember(server, project, user);
      // The stream trusts what it read for VISIBILITY_TTL_MS: builds go on until one reaches it.
      const deadline = Date.now() + VISIBILITY_TTL_MS + 5_000;
      let reached = false;
      while (!reached && Date.now() < deadline) {
        const buildId = await recordBuild(project, secret);
        reached = await until(reader, (e) => e.kind === 'build' && e.build_id === buildId, 1_000).then(
          () => true,
          () => false,
        );
      }
      expect(reached).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('tells those who see a runner when it goes offline by silence', async () => {
    const { runner } = await insertRunner(server, { shared: true });
    await server.ctx.db
      .updateTable('runners')
      .set({ last_seen_at: new Date() })
      .where('id', '=', runner.id)
      .execute();
    const reader = await open(cookieOf(member));
    const stop = watchRunners(server.ctx, 50);
    try {
      // let the watch see it online once, then make it silent for longer than the lease
      await new Promise((resolve) => setTimeout(resolve, 200));
      const silent = new Date(Date.now() - (server.ctx.config.leaseSeconds + 5) * 1000);
      await server.ctx.db
        .updateTable('runners')
        .set({ last_seen_at: silent })
        .where('id', '=', runner.id)
        .execute();
      const seen = await until(reader, (e) => e.kind === 'runner' && e.runner_id === runner.id);
      expect(seen.at(-1)).toEqual({ kind: 'runner', runner_id: runner.id, change: 'offline' });
    } finally {
      stop();
      reader.close();
    }
  });

  it('keeps no bus subscription once its clients leave', async () => {
    const listeners = () => server.ctx.bus.listenerCount(LISTS_TOPIC);
    const settles = async (count: number) => {
      const deadline = Date.now() + 5_000;
      while (listeners() !== count && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(listeners()).toBe(count);
    };
    await settles(0); // the streams of the tests above, closed by their clients
    const readers = await Promise.all([open(cookieOf(member)), open(cookieOf(member))]);
    expect(listeners()).toBe(2);
    for (const reader of readers) reader.close();
    await settles(0);
  });
});
