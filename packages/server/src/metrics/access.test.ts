import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { metricsAccess, parseNetworks } from './access.js';

describe('metrics access settings', () => {
  it('reads networks from POLYTENE_METRICS_ALLOW and the token from POLYTENE_METRICS_TOKEN', () => {
    const config = loadConfig({
      POLYTENE_METRICS_ALLOW: '10.0.0.0/8,fd00::/8',
      POLYTENE_METRICS_TOKEN: 'a-metrics-token-of-some-length',
    });
    expect(config).toMatchObject({
      metricsAllow: '10.0.0.0/8,fd00::/8',
      metricsToken: 'a-metrics-token-of-some-length',
    });
    expect(loadConfig({}).metricsAllow).toBe('');
  });

  it('refuses entries that are not networks, naming each, and a short token', () => {
    expect(() =>
      loadConfig({ POLYTENE_METRICS_ALLOW: '10.0.0.0/8, 10.0.0.0/, 1.2.3.4/33, example.com' }),
    ).toThrow(ConfigError);
    expect(() => parseNetworks('10.0.0.0/, 1.2.3.4/33, example.com, ::1/129, 10.0.0.0/8/1')).toThrow(
      'not a network (address/prefix, e.g. 10.0.0.0/8): 10.0.0.0/, 1.2.3.4/33, example.com, ::1/129, 10.0.0.0/8/1',
    );
    expect(() => loadConfig({ POLYTENE_METRICS_TOKEN: 'short' })).toThrow(/metricsToken/);
  });

  it('takes a bare address as one host', () => {
    const check = metricsAccess({ metricsAllow: '192.0.2.9', trustProxy: false });
    expect(check({ ip: '192.0.2.9', headers: {} })).toBeNull();
    expect(check({ ip: '192.0.2.8', headers: {} })?.status).toBe(403);
  });

  it('with trustProxy on, judges the forwarded address Fastify reports', () => {
    const check = metricsAccess({ metricsAllow: '', trustProxy: true });
    expect(check({ ip: '127.0.0.1', headers: { 'x-forwarded-for': '127.0.0.1' } })).toBeNull();
    expect(check({ ip: 'not-an-address', headers: {} })?.status).toBe(403);
  });
});
