import { describe, expect, it } from 'vitest';
import type { EnvironmentView } from '@polytene/protocol';
import { toEnvironmentBody, toEnvironmentForm } from './environment-form';

const env = {
  id: 1,
  project_id: 1,
  name: 'production',
  position: 50,
  url: 'https://shop.example.test',
  variables: [
    { key: 'A', value: '1', secret: false },
    { key: 'TOKEN', value: null, secret: true },
  ],
  targets: [{ name: 'web1', address: '10.0.0.5', groups: ['web', 'eu'], variables: { http_port: 8080 } }],
} as unknown as EnvironmentView;

describe('environment settings form', () => {
  it('sends back what it was given, keeping a stored secret by leaving out its value', () => {
    expect(toEnvironmentBody(toEnvironmentForm(env))).toEqual({
      name: 'production',
      position: 50,
      url: 'https://shop.example.test',
      variables: [
        { key: 'A', value: '1', secret: false },
        { key: 'TOKEN', secret: true },
      ],
      targets: [
        { name: 'web1', address: '10.0.0.5', groups: ['web', 'eu'], variables: { http_port: '8080' } },
      ],
    });
  });

  it('reads groups split by commas or spaces and one key=value per line, and drops empty rows', () => {
    const form = toEnvironmentForm(env);
    form.url = ' ';
    form.targets = [
      {
        name: 'db1',
        address: 'db1.internal',
        groups: 'db  backup,eu',
        variables: 'role = primary\n\nport=5432',
      },
      { name: '', address: '', groups: '', variables: '' },
    ];
    const body = toEnvironmentBody(form);
    expect(body.url).toBeNull();
    expect(body.targets).toEqual([
      {
        name: 'db1',
        address: 'db1.internal',
        groups: ['db', 'backup', 'eu'],
        variables: { role: 'primary', port: '5432' },
      },
    ]);
  });
});
