import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configPath, normalizeUrl, readConfig, removeConfig, writeConfig } from './config.js';
import { EXIT } from './errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'polytene-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the config file', () => {
  it('lives under $XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/polytene/config.json');
    expect(configPath({ HOME: '/h' })).toBe('/h/.config/polytene/config.json');
    expect(configPath({ XDG_CONFIG_HOME: '', HOME: '/h' })).toBe('/h/.config/polytene/config.json');
  });

  it('is written 0600 in a 0700 directory, atomically, and read back', () => {
    const file = path.join(dir, 'a', 'polytene', 'config.json');
    writeConfig({ url: 'http://x', token: 'pt_1', login: 'ann' }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    // An existing file readable by others is replaced by a private one, and no temporary file stays.
    writeFileSync(file, '{}', { mode: 0o644 });
    writeConfig({ url: 'http://y', token: 'pt_2' }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(['config.json']);
    expect(readConfig(file)).toEqual({ url: 'http://y', token: 'pt_2', login: undefined });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: 'http://y', token: 'pt_2' });
    expect(removeConfig(file)).toBe(true);
    expect(removeConfig(file)).toBe(false);
    expect(readConfig(file)).toBeNull();
  });

  it('a damaged file is a usage error naming it', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, 'not json');
    expect(() => readConfig(file)).toThrow(expect.objectContaining({ code: EXIT.usage }));
    expect(() => readConfig(file)).toThrow(/bad\.json is not a polytene config/);
  });
});

describe('normalizeUrl', () => {
  it('keeps http(s) URLs without the trailing slash and refuses the rest', () => {
    expect(normalizeUrl('https://p.example.com/')).toBe('https://p.example.com');
    expect(normalizeUrl('http://127.0.0.1:3000/polytene/')).toBe('http://127.0.0.1:3000/polytene');
    expect(() => normalizeUrl('p.example.com')).toThrow(/is not a URL/);
    expect(() => normalizeUrl('ftp://p.example.com')).toThrow(/not an http/);
  });
});
