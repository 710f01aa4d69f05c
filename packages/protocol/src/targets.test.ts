import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { EnvironmentTarget, targetProblems, type EnvironmentTarget as Target } from './targets.js';

const target = (overrides: Partial<Target> = {}): Target => ({
  name: 'web1',
  address: '10.0.0.1',
  groups: ['webservers'],
  variables: { http_port: 80 },
  ...overrides,
});

describe('environment targets', () => {
  it('accepts host names, IP addresses, groups and host variables Ansible takes', () => {
    const targets = [
      target(),
      target({ name: 'db-1.example.com', address: '2001:db8::1', groups: ['db', '_eu2'], variables: {} }),
      target({ name: 'lb_0', address: 'lb.internal', groups: [], variables: { ansible_user: 'deploy' } }),
    ];
    expect(targets.every((t) => Value.Check(EnvironmentTarget, t))).toBe(true);
    expect(targetProblems(targets)).toEqual([]);
  });

  it('says in words which field of which target Ansible would refuse', () => {
    const problems = targetProblems([
      target({ name: 'web 1', address: 'a b', groups: ['9lives', 'all', 'ok-not'] }),
      target({ name: 'web2', address: '-oProxyCommand=x', variables: { 'bad-key': 1, ansible_host: 'x' } }),
      target({ name: 'web2', groups: ['web', 'web'] }),
    ]);
    expect(problems.map((p) => [p.field, p.code])).toEqual([
      ['targets.0.name', 'invalid_format'],
      ['targets.0.address', 'invalid_format'],
      ['targets.0.groups.0', 'invalid_format'],
      ['targets.0.groups.1', 'invalid_format'],
      ['targets.0.groups.2', 'invalid_format'],
      ['targets.1.address', 'invalid_format'],
      ['targets.1.variables.bad-key', 'invalid_format'],
      ['targets.1.variables.ansible_host', 'invalid_format'],
      ['targets.2.name', 'duplicate'],
      ['targets.2.groups.1', 'duplicate'],
    ]);
    expect(problems[0]?.message).toBe(
      'target 1 ("web 1"): the name may hold only letters, digits, "_", "-" and ".", starting with a letter, digit or "_"',
    );
    expect(problems[2]?.message).toBe(
      'target 1 ("web 1"): group "9lives" may hold only letters, digits and "_", and must not start with a digit',
    );
    expect(problems[5]?.message).toBe('target 2 ("web2"): the address must not start with "-"');
  });

  it('refuses a host named like a group', () => {
    expect(targetProblems([target({ name: 'db' }), target({ name: 'db1', groups: ['db'] })])).toEqual([
      {
        field: 'targets.0.name',
        code: 'duplicate',
        message: 'target 1 ("db"): a group has the same name, which Ansible cannot tell apart',
      },
    ]);
  });

  it('checks the shape: variable values are text, numbers or booleans', () => {
    expect(Value.Check(EnvironmentTarget, target({ variables: { on: true, n: 1.5, s: 'x' } }))).toBe(true);
    expect(Value.Check(EnvironmentTarget, { ...target(), variables: { list: [1] } })).toBe(false);
    expect(Value.Check(EnvironmentTarget, { ...target(), groups: 'web' })).toBe(false);
  });
});
