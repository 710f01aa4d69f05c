import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@polytene/protocol';
import { startTestServer, type TestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function scrape(target: TestServer = server): Promise<string> {
  const res = await target.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  return res.body;
}

/** The value of one series, `name{labels}`, in the exposition text; null when absent. */
function value(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts a deployment from queued through running to succeeded, by project and environment', async () => {
    const { runner, token } = await insertRunner(server);
    const { project } = await insertProject(server, { name: 'shop', runner_id: runner.id });
    const config = await insertBranchConfig(server, { project_id: project.id, environment: 'staging' });
    const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
    await insertQueuedDeployment(server, build, config);
    const place = 'project="shop",environment="staging"';

    let text = await scrape();
    expect(value(text, `polytene_deployments_queued{${place}}`)).toBe(1);
    expect(value(text, `polytene_deployment_oldest_queued_seconds{${place}}`)).toBeGreaterThanOrEqual(0);
    expect(value(text, 'polytene_metrics_database_up')).toBe(1);

    const claim = await server.app.inject({
      method: 'POST',
      url: '/api/v1/runner/jobs/request',
      headers: auth(token),
      payload: { wait_ms: 0 },
    });
    expect(claim.statusCode).toBe(201);
    const job = claim.json<Job>();
    text = await scrape();
    expect(value(text, `polytene_deployments_queued{${place}}`)).toBeNull();
    expect(value(text, `polytene_deployments_running{${place}}`)).toBe(1);
    expect(value(text, `polytene_deployment_wait_seconds_count{${place}}`)).toBe(1);
    expect(value(text, 'polytene_runners_online')).toBe(1);
    expect(value(text, 'polytene_runners_registered')).toBe(1);

    const lines = [
      { n: 1, stream: 'stdout', t: new Date().toISOString(), text: 'héllo' },
      { n: 2, stream: 'stderr', t: new Date().toISOString(), text: 'done' },
    ];
    const log = await server.app.inject({
      method: 'POST',
      url: `/api/v1/runner/jobs/${job.id}/log`,
      headers: auth(job.token),
      payload: { lines },
    });
    expect(log.statusCode).toBe(200);
    const done = await server.app.inject({
      method: 'PUT',
      url: `/api/v1/runner/jobs/${job.id}`,
      headers: auth(job.token),
      payload: { status: 'succeeded', exit_code: 0 },
    });
    expect(done.statusCode).toBe(200);

    text = await scrape();
    const final = `${place},status="succeeded"`;
    expect(value(text, `polytene_deployments_total{${final}}`)).toBe(1);
    expect(value(text, `polytene_deployment_duration_seconds_count{${final}}`)).toBe(1);
    expect(value(text, `polytene_deployments_running{${place}}`)).toBeNull();
    expect(value(text, 'polytene_log_lines_ingested_total')).toBe(2);
    expect(value(text, 'polytene_log_bytes_ingested_total')).toBe(Buffer.byteLength('héllodone'));
    // The follow-ups of the two moves wait in graphile-worker's queue (no worker runs in this test).
    expect(value(text, 'polytene_job_queue_jobs{task="deployment_changed:email",state="waiting"}')).toBe(2);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('labels HTTP latency with the route pattern, never the URL and its token', async () => {
    const secret = 'very-secret-intake-token-4711';
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/v1/builds/${secret}/create`,
      payload: {},
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    await server.app.inject({ method: 'GET', url: `/no/such/page/${secret}` });
    const text = await scrape();
    expect(text).not.toContain(secret);
    const series = `polytene_http_request_duration_seconds_count{method="POST",route="/api/v1/builds/:token/create",status="${res.statusCode}"}`;
    expect(value(text, series)).toBe(1);
    expect(text).toMatch(/polytene_http_request_duration_seconds_count\{method="GET",route="unmatched"/);
  });

  it('keeps a registry per app: two servers in one process count apart', async () => {
    const other = await startTestServer();
    try {
      await other.app.inject({ method: 'GET', url: '/api/v1/health' });
      await other.app.inject({ method: 'GET', url: '/api/v1/health' });
      await server.app.inject({ method: 'GET', url: '/api/v1/health' });
      const series =
        'polytene_http_request_duration_seconds_count{method="GET",route="/api/v1/health",status="200"}';
      expect(value(await scrape(other), series)).toBe(2);
      expect(value(await scrape(), series)).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('who may read /metrics', () => {
  const from = (target: TestServer, remoteAddress: string, headers: Record<string, string> = {}) =>
    target.app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });

  it('without a token: loopback only, everyone else 403 in words', async () => {
    expect((await from(server, '127.0.0.1')).statusCode).toBe(200);
    expect((await from(server, '::1')).statusCode).toBe(200);
    const refused = await from(server, '203.0.113.7');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/loopback.*POLYTENE_METRICS_ALLOW.*203\.0\.113\.7/);
    const proxied = await from(server, '127.0.0.1', { 'x-forwarded-for': '203.0.113.7' });
    expect(proxied.statusCode).toBe(403);
    expect(proxied.json().error.message).toMatch(/came through a proxy/);
  });

  it('with POLYTENE_METRICS_TOKEN: the bearer token, from anywhere; nothing else', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const guarded = await startTestServer({ metricsToken: token, metricsAllow: '10.0.0.0/8' });
    try {
      const withToken = await from(guarded, '203.0.113.7', auth(token));
      expect(withToken.statusCode).toBe(200);
      expect(withToken.body).toContain('polytene_deployments_total');
      for (const headers of [{}, auth('wrong'), auth(`${token}x`), { authorization: token }]) {
        const res = await from(guarded, '127.0.0.1', headers);
        expect(res.statusCode).toBe(401);
        expect(res.json().error.message).toMatch(/POLYTENE_METRICS_TOKEN/);
      }
    } finally {
      await guarded.close();
    }
  });

  it('POLYTENE_METRICS_ALLOW opens its networks, IPv4-mapped addresses included', async () => {
    const open = await startTestServer({ metricsAllow: '10.0.0.0/8, 2001:db8::/32 192.0.2.9' });
    try {
      for (const address of ['10.1.2.3', '::ffff:10.9.9.9', '2001:db8::5', '192.0.2.9']) {
        expect((await from(open, address)).statusCode, address).toBe(200);
      }
      for (const address of ['11.0.0.1', '192.0.2.10', '2001:db9::1']) {
        expect((await from(open, address)).statusCode, address).toBe(403);
      }
    } finally {
      await open.close();
    }
  });
});
