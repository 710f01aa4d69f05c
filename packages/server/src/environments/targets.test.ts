import { beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentTarget, Job } from '@polytene/protocol';
import { signedInUser, useTestServer, type SessionHeaders } from '../test-support/server.js';
import {
  auditEvents,
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../test-support/fixtures.js';
import type { BranchConfig, Project } from '../db/schema.js';

const server = useTestServer();
let owner: SessionHeaders;
let project: Project;
let runnerToken: string;
let config: BranchConfig;

beforeAll(async () => {
  const alice = await signedInUser(server, { login: 'targets-alice' });
  owner = alice.session;
  const { runner, token } = await insertRunner(server);
  runnerToken = token;
  ({ project } = await insertProject(server, { owner_id: alice.user.id, runner_id: runner.id }));
  config = await insertBranchConfig(server, {
    project_id: project.id,
    branch_name: 'main',
    environment: 'production',
    deployment_script: 'ansible-playbook -i "$POLYTENE_INVENTORY" site.yml',
  });
});

const TARGETS: EnvironmentTarget[] = [
  { name: 'web1', address: '10.0.0.1', groups: ['web', 'eu'], variables: { http_port: 8080, tls: true } },
  { name: 'db-1.example.com', address: '2001:db8::5', groups: ['db'], variables: { role: 'primary' } },
];

function patchTargets(targets: unknown) {
  return server.app.inject({
    method: 'PATCH',
    url: `/api/v1/environments/${config.environment_id}`,
    headers: owner,
    payload: { targets },
  });
}

describe("an environment's targets", () => {
  it('are refused with a 400 that says in words which target Ansible would not take', async () => {
    const res = await patchTargets([
      { name: 'web 1', address: '10.0.0.1', groups: ['9web'], variables: {} },
      { name: 'db1', address: '-oProxyCommand=evil', groups: [], variables: { 'my-var': 1 } },
    ]);
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.map((d: { field: string; code: string }) => [d.field, d.code])).toEqual([
      ['targets.0.name', 'invalid_format'],
      ['targets.0.groups.0', 'invalid_format'],
      ['targets.1.address', 'invalid_format'],
      ['targets.1.variables.my-var', 'invalid_format'],
    ]);
    expect(error.message).toContain(
      'target 1 ("web 1"): group "9web" may hold only letters, digits and "_", and must not start with a digit',
    );
    expect(error.message).toContain('target 2 ("db1"): the address must not start with "-"');
    const stored = await server.ctx.db
      .selectFrom('environments')
      .select('targets')
      .where('id', '=', config.environment_id)
      .executeTakeFirstOrThrow();
    expect(stored.targets).toEqual([]);
  });

  it('refuses a target with a field the protocol does not know', async () => {
    const res = await patchTargets([{ ...TARGETS[0], port: 22 }]);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0]).toMatchObject({ field: 'targets.0.port', code: 'unknown_field' });
  });

  it('are stored, audited and handed to the runner in the job', async () => {
    const res = await patchTargets(TARGETS);
    expect(res.statusCode).toBe(200);
    expect(res.json().targets).toEqual(TARGETS);
    const events = await auditEvents(server, {
      action: 'update',
      entity_type: 'environment',
      entity_id: String(config.environment_id),
    });
    expect(JSON.stringify(events)).toContain('db-1.example.com');

    const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
    const deployment = await insertQueuedDeployment(server, build, config);
    const claimed = await server.app.inject({
      method: 'POST',
      url: '/api/v1/runner/jobs/request',
      headers: { authorization: `Bearer ${runnerToken}` },
      payload: { wait_ms: 0 },
    });
    expect(claimed.statusCode).toBe(201);
    const job = claimed.json<Job>();
    expect(job.id).toBe(deployment.id);
    expect(job.targets).toEqual(TARGETS);
  });
});
