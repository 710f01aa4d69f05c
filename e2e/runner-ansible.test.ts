import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, tempDir } from '../packages/runner/src/test-support/repo.js';
import {
  Api,
  startPolytene,
  startRunnerProcess,
  type ManagedProcess,
  type PolyteneServer,
} from './runner-harness.js';

/**
 * The real server, the real runner CLI and the real ansible-playbook (Debian's ansible-core): the
 * environment's targets set through the API reach the runner's inventory.yml, and the README's branch
 * script runs a playbook against them (over the local connection, so no SSH server is needed).
 */
let server: PolyteneServer;
let api: Api;
let runner: ManagedProcess;
let runnerId: number;
const repo = new TestRepo('polytene-e2e-ansible-repo-');
const dir = tempDir('polytene-e2e-ansible-');

const PLAYBOOK = `- hosts: web
  gather_facts: false
  tasks:
    - name: write what each host was given
      ansible.builtin.copy:
        content: "{{ inventory_hostname }} {{ ansible_host }} {{ http_port }}\\n"
        dest: "{{ out_dir }}/{{ inventory_hostname }}.txt"
`;

beforeAll(async () => {
  server = await startPolytene();
  api = await Api.asAdmin(server.url);
  const created = await api.createRunner('e2e-ansible');
  runnerId = created.id;
  runner = await startRunnerProcess([
    '--url',
    server.url,
    '--token',
    created.token,
    '--work-dir',
    path.join(dir, 'work'),
  ]);
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await server?.close();
  repo.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('deploying with Ansible', () => {
  it("runs ansible-playbook -i $POLYTENE_INVENTORY against the environment's targets", async () => {
    const sha = repo.commit({ 'site.yml': PLAYBOOK });
    const project = await api.createProject(repo.url, runnerId, {
      environment: 'production',
      deployment_script: [
        'export ANSIBLE_HOME="$PWD/.ansible" ANSIBLE_LOCAL_TEMP="$PWD/.ansible/tmp" ANSIBLE_NOCOLOR=1',
        'ansible-playbook -i "$POLYTENE_INVENTORY" site.yml -e "out_dir=$POLYTENE_ARTIFACTS_DIR"',
      ].join('\n'),
    });
    const { environments } = await api.call<{ environments: { id: number; name: string }[] }>(
      'GET',
      `/api/v1/projects/${project.id}/environments`,
    );
    const production = environments.find((e) => e.name === 'production');
    const local = { ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3' };
    await api.call('PATCH', `/api/v1/environments/${production?.id}`, {
      targets: [
        { name: 'web1', address: '10.0.0.11', groups: ['web'], variables: { ...local, http_port: 8080 } },
        { name: 'web2', address: 'web2.internal', groups: ['web'], variables: { ...local, http_port: 8081 } },
        { name: 'db1', address: '10.0.0.21', groups: ['db'], variables: local },
      ],
    });

    const id = await api.deploy(project.id, sha);
    const done = await api.waitForStatus(id, ['succeeded', 'failed'], 120_000);
    const lines = (await api.log(id)).map((l) => l.text);
    expect(done, lines.join('\n')).toMatchObject({ status: 'succeeded', exit_code: 0 });
    expect(lines.some((t) => /^web1\s+: ok=1\s+changed=1/.test(t))).toBe(true);
    expect(lines.some((t) => /^web2\s+: ok=1\s+changed=1/.test(t))).toBe(true);
    expect(lines.some((t) => t.startsWith('db1'))).toBe(false);

    const inventoryLine = lines.find((t) => t.startsWith('Ansible inventory of 3 targets written to '));
    const inventory = (inventoryLine ?? '').replace(/^.* written to (\S+) .*$/, '$1');
    const artifacts = path.dirname(inventory);
    expect(readFileSync(path.join(artifacts, 'web1.txt'), 'utf8')).toBe('web1 10.0.0.11 8080\n');
    expect(readFileSync(path.join(artifacts, 'web2.txt'), 'utf8')).toBe('web2 web2.internal 8081\n');
    expect(readFileSync(path.join(artifacts, 'polytene-runner.yml'), 'utf8')).toContain('name: db1');
  }, 180_000);
});
