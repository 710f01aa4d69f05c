import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { EnvironmentTarget } from '@polytene/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { INVENTORY_FILE, inventoryYaml, writeInventory } from './inventory.js';
import { ansibleInventoryList } from './test-support/ansible.js';
import { tempDir } from './test-support/repo.js';

const dir = tempDir('polytene-inventory-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TARGETS: EnvironmentTarget[] = [
  {
    name: 'web1',
    address: '10.0.0.11',
    groups: ['webservers', 'eu'],
    variables: { http_port: 8080, tls: true, ansible_user: 'deploy' },
  },
  {
    name: 'web-2.example.com',
    address: 'web-2.example.com',
    groups: ['webservers'],
    // Text that YAML 1.1 (Ansible's PyYAML) would read as a boolean, an octal number or a time.
    variables: { answer: 'yes', mode: '0755', at: '12:30', ratio: 0.5 },
  },
  { name: 'db1', address: '2001:db8::5', groups: ['databases', 'eu'], variables: {} },
  { name: 'bastion', address: '192.0.2.1', groups: [], variables: { ansible_port: 2222 } },
];

describe('the Ansible inventory', () => {
  it('is read by the real ansible-inventory with every host, group and host variable as written', async () => {
    const file = await writeInventory(dir, TARGETS);
    expect(file).toBe(path.join(dir, INVENTORY_FILE));
    const listed = await ansibleInventoryList(file);

    expect(listed._meta.hostvars).toEqual({
      web1: { ansible_host: '10.0.0.11', http_port: 8080, tls: true, ansible_user: 'deploy' },
      'web-2.example.com': {
        ansible_host: 'web-2.example.com',
        answer: 'yes',
        mode: '0755',
        at: '12:30',
        ratio: 0.5,
      },
      db1: { ansible_host: '2001:db8::5' },
      bastion: { ansible_host: '192.0.2.1', ansible_port: 2222 },
    });
    expect([...(listed.all.children ?? [])].sort()).toEqual(['databases', 'eu', 'ungrouped', 'webservers']);
    const hostsOf = (group: string) => [...((listed[group] as { hosts?: string[] }).hosts ?? [])].sort();
    expect(hostsOf('webservers')).toEqual(['web-2.example.com', 'web1']);
    expect(hostsOf('eu')).toEqual(['db1', 'web1']);
    expect(hostsOf('databases')).toEqual(['db1']);
    expect(hostsOf('ungrouped')).toEqual(['bastion']);
  });

  it('is a valid inventory with no hosts when the environment has no targets', async () => {
    const empty = tempDir('polytene-inventory-empty-');
    try {
      const listed = await ansibleInventoryList(await writeInventory(empty, []));
      expect(listed._meta.hostvars).toEqual({});
      expect(listed.all.children).toEqual(['ungrouped']);
      expect(Object.keys(listed).sort()).toEqual(['_meta', 'all']);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('writes hosts under all and each group listing its hosts, names such as __proto__ included', () => {
    const text = inventoryYaml([
      { name: '__proto__', address: 'h', groups: ['__proto__x', 'constructor'], variables: { a: 1 } },
    ]);
    expect(text).toBe(
      [
        'all:',
        '  hosts:',
        '    __proto__:',
        '      ansible_host: h',
        '      a: 1',
        '  children:',
        '    __proto__x:',
        '      hosts:',
        '        __proto__: null',
        '    constructor:',
        '      hosts:',
        '        __proto__: null',
        '',
      ].join('\n'),
    );
    expect(readFileSync(path.join(dir, INVENTORY_FILE), 'utf8')).toContain('ansible_host: 10.0.0.11');
  });
});
