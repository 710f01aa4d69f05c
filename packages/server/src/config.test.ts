import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, publicUrlOf } from './config.js';

describe('server configuration', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      dataDir: './data',
      localRunner: true,
      leaseSeconds: 90,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(publicUrlOf(config)).toBe('http://127.0.0.1:8080');
  });

  it('lets the file override defaults and the environment override the file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'polytene-config-'));
    const file = path.join(dir, 'polytene.yml');
    await writeFile(file, 'port: 9000\nhost: 0.0.0.0\nlocalRunner: false\n');
    const config = loadConfig({ POLYTENE_CONFIG: file, POLYTENE_PORT: '9100' });
    expect(config.port).toBe(9100);
    expect(config.host).toBe('0.0.0.0');
    expect(config.localRunner).toBe(false);
  });

  it('lists every problem at once', () => {
    try {
      parseConfig({ port: 'eighty', leaseSeconds: 1, nonsense: true });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('port');
      expect(message).toContain('leaseSeconds');
    }
  });

  it('names a missing configuration file', () => {
    expect(() => loadConfig({ POLYTENE_CONFIG: '/nonexistent/polytene.yml' })).toThrow(/does not exist/);
  });
});
