import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { SessionHeaders, TestServer } from './server.js';
import { insertBranchConfig, randomSha } from './fixtures.js';
import type { GithubStandin } from './github-standin.js';
import { signBody } from '../intake/generic/signature.js';

/**
 * The GitHub tests' setup (github/*.test.ts): a project connected to the stand-in with an auto
 * `master` config, signed deliveries, and GitHub's documented payloads.
 */
export function githubKit(server: TestServer, standin: () => GithubStandin, admin: () => SessionHeaders) {
  /** GitHub's documented example deliveries (octokit/webhooks payload examples, see fixtures/README.md). */
  const fixture = (name: string) =>
    JSON.parse(readFileSync(new URL(`../github/fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<
      string,
      unknown
    > & { workflow_run: Record<string, unknown> };

  async function githubProject(token: string | null = 'gh-token') {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: admin(),
      payload: {
        name: `gh-${randomSha().slice(0, 8)}`,
        clone_url: 'https://github.com/octo-org/octo-repo.git',
        github: { repository: 'octo-org/octo-repo', api_url: standin().url, token },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const view = res.json() as { id: number; webhook_secret: string; webhook_urls: { github: string } };
    await insertBranchConfig(server, {
      project_id: view.id,
      branch_name: 'master',
      deployment_type: 'auto',
      environment: 'production',
    });
    return view;
  }

  function deliver(
    project: { id: number },
    body: unknown,
    options: { event?: string; secret?: string | null; raw?: string } = {},
  ) {
    const raw = options.raw ?? JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-github-event': options.event ?? 'workflow_run',
      'x-github-delivery': randomSha().slice(0, 32),
    };
    if (options.secret !== null) headers['x-hub-signature-256'] = signBody(options.secret ?? '', raw);
    return server.app.inject({
      method: 'POST',
      url: `/api/v1/projects/${project.id}/hooks/github`,
      headers,
      payload: raw,
    });
  }

  /** The documented completed run, for a commit of its own (so the statuses of each test are told apart). */
  function completedRun(overrides: Record<string, unknown> = {}) {
    const body = fixture('workflow_run.completed');
    body.workflow_run = { ...body.workflow_run, head_sha: randomSha(), ...overrides };
    return body;
  }

  return { fixture, githubProject, deliver, completedRun };
}
