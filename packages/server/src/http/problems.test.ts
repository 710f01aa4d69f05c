import { beforeAll, describe, expect, it } from 'vitest';
import { adminSession, useTestServer, type SessionHeaders } from '../test-support/server.js';
import { insertProject } from '../test-support/fixtures.js';
import type { Project } from '../db/schema.js';
import { paramLabels } from './problems.js';

const server = useTestServer();
let admin: SessionHeaders;
let project: Project;
beforeAll(async () => {
  admin = await adminSession(server);
  ({ project } = await insertProject(server, {}));
});

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) =>
  server.app.inject({ method, url, headers: admin, payload });

interface Problem {
  field: string;
  code: string;
  params?: Record<string, unknown>;
  message: string;
}
const problemsOf = (body: { error: { details?: Problem[] } }) => body.error.details ?? [];

describe('a request that fails its schema', () => {
  it('lists every problem at once, each with a field, a code, its params and words a person uses', async () => {
    const res = await call('POST', '/api/v1/projects', {
      name: 'x'.repeat(201),
      clone_url: '',
      public: 'yes',
      color: 'red',
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(problemsOf(body)).toEqual(
      expect.arrayContaining([
        {
          field: 'name',
          code: 'too_long',
          params: { limit: 200 },
          message: 'name must be at most 200 characters',
        },
        { field: 'clone_url', code: 'required', message: 'clone url must not be empty' },
        { field: 'public', code: 'not_boolean', message: 'public must be true or false' },
        { field: 'color', code: 'unknown_field', message: 'color is not a known field' },
      ]),
    );
    expect(problemsOf(body)).toHaveLength(4);
    expect(body.error.message).toContain('name must be at most 200 characters');
    expect(body.error.message).toContain('public must be true or false');
    expect(res.body).not.toMatch(/must NOT|must match pattern|must be boolean|anyOf/);
  });

  it('calls a name of only spaces blank, and a missing one required', async () => {
    const blank = await call('POST', '/api/v1/projects', { name: '   ', clone_url: 'file:///srv/a.git' });
    expect(problemsOf(blank.json())).toEqual([
      { field: 'name', code: 'blank', message: 'name must not be blank' },
    ]);
    const missing = await call('POST', '/api/v1/projects', {});
    expect(problemsOf(missing.json()).map((p) => [p.field, p.code])).toEqual([
      ['name', 'required'],
      ['clone_url', 'required'],
    ]);
    expect(missing.json().error.message).toBe('name is required; clone url is required');
  });

  it('reads a union as one problem: the limit broken, the allowed values, a whole number', async () => {
    const res = await call('POST', `/api/v1/projects/${project.id}/branches`, {
      branch_name: 'main',
      deployment_type: 'sometimes',
      timeout_seconds: 0,
      variables: [{ key: 'A', value: 'x'.repeat(65_537) }],
    });
    expect(res.statusCode).toBe(400);
    expect(problemsOf(res.json())).toEqual([
      {
        field: 'deployment_type',
        code: 'not_allowed',
        params: { allowed: 'manual, auto' },
        message: 'deployment type must be one of: manual, auto',
      },
      {
        field: 'timeout_seconds',
        code: 'too_small',
        params: { limit: 1 },
        message: 'timeout seconds must be at least 1',
      },
      {
        field: 'variables.0.value',
        code: 'too_long',
        params: { limit: 65_536 },
        message: 'variables.0.value must be at most 65536 characters',
      },
    ]);
    const runner = await call('PATCH', `/api/v1/projects/${project.id}`, { runner_id: 'two' });
    expect(problemsOf(runner.json())).toEqual([
      { field: 'runner_id', code: 'not_integer', message: 'runner id must be a whole number' },
    ]);
  });

  it('answers /projects/abc with "project id must be a whole number", never raw schema text', async () => {
    const res = await call('GET', '/api/v1/projects/abc');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'project id must be a whole number',
      details: [{ field: 'id', code: 'not_integer', message: 'project id must be a whole number' }],
    });
    const branch = await call('GET', `/api/v1/projects/${project.id}/branches/x`);
    expect(branch.json().error.message).toBe('branch id must be a whole number');
  });

  it('names route parameters after what they are the id of', () => {
    expect(paramLabels('/api/v1/projects/:id/branches/:branch_id')).toEqual({
      id: 'project id',
      branch_id: 'branch id',
    });
    expect(paramLabels('/api/v1/gitlab-instances/:id')).toEqual({ id: 'gitlab instance id' });
  });
});

describe('deployment scripts and variables', () => {
  it('refuses a script of only spaces: 400 "deployment script must not be blank"; an empty one is fine', async () => {
    const blank = await call('POST', `/api/v1/projects/${project.id}/branches`, {
      branch_name: 'blank-script',
      deployment_script: '  \n\t \n',
    });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error.message).toBe('deployment script must not be blank');
    expect(problemsOf(blank.json())).toEqual([
      { field: 'deployment_script', code: 'blank', message: 'deployment script must not be blank' },
    ]);
    const empty = await call('POST', `/api/v1/projects/${project.id}/branches`, {
      branch_name: 'blank-script',
      deployment_script: '',
    });
    expect(empty.statusCode).toBe(201);
    const patch = await call('PATCH', `/api/v1/projects/${project.id}/branches/${empty.json().id}`, {
      deployment_script: '   ',
    });
    expect(patch.statusCode).toBe(400);
    expect(problemsOf(patch.json())[0]?.code).toBe('blank');
  });

  it('refuses a variable with a value but no name', async () => {
    const res = await call('POST', `/api/v1/projects/${project.id}/branches`, {
      branch_name: 'nameless-var',
      variables: [{ key: '', value: 'orphan' }],
    });
    expect(res.statusCode).toBe(400);
    expect(problemsOf(res.json())).toEqual([
      { field: 'variables.0.key', code: 'required', message: 'variables.0.key must not be empty' },
    ]);
  });

  it('names the problems beyond the schema in the same answer as the schema’s own', async () => {
    const branch = await call('POST', `/api/v1/projects/${project.id}/branches`, {
      branch_name: 'both',
      deployment_script: '   ',
      environment: 'pro duction',
      variables: [
        { key: 'POLYTENE_X', value: '1' },
        { key: '', value: 'orphan' },
      ],
    });
    expect(branch.statusCode).toBe(400);
    expect(problemsOf(branch.json()).map((p) => [p.field, p.code])).toEqual([
      ['deployment_script', 'blank'],
      ['variables.1.key', 'required'],
      ['environment', 'environment_name'],
      ['variables.0.key', 'reserved_prefix'],
    ]);
    const created = await call('POST', '/api/v1/projects', {
      name: ' ',
      clone_url: 'ftp://example.test/a.git',
    });
    expect(created.statusCode).toBe(400);
    expect(problemsOf(created.json()).map((p) => [p.field, p.code])).toEqual([
      ['name', 'blank'],
      ['clone_url', 'clone_url'],
    ]);
    expect(created.json().error.message).toBe(
      'name must not be blank; clone url must be an ssh (git@host:path or ssh://), https:// or file:// URL',
    );
  });

  it('lists every problem the schema cannot judge at once too', async () => {
    const res = await call('POST', `/api/v1/projects/${project.id}/branches`, {
      branch_name: 'bad..name',
      environment: 'pro duction',
      variables: [
        { key: 'POLYTENE_X', value: '1' },
        { key: 'A', value: '1' },
        { key: 'A', value: '2' },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(problemsOf(res.json()).map((p) => [p.field, p.code])).toEqual([
      ['branch_name', 'git_ref'],
      ['environment', 'environment_name'],
      ['variables.0.key', 'reserved_prefix'],
      ['variables.2.key', 'duplicate'],
    ]);
  });
});
