import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsFor, exitFor } from './cli.js';
import { configPath, writeConfig } from './config.js';
import { CliError, EXIT } from './errors.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'polytene-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('credentialsFor', () => {
  it('takes flags over POLYTENE_URL/POLYTENE_TOKEN over the saved login', () => {
    const env = { XDG_CONFIG_HOME: home };
    expect(() => credentialsFor({}, env)).toThrow(expect.objectContaining({ code: EXIT.auth }));
    writeConfig({ url: 'http://saved', token: 'pt_saved' }, configPath(env));
    expect(credentialsFor({}, env)).toEqual({ url: 'http://saved', token: 'pt_saved' });
    const withEnv = { ...env, POLYTENE_URL: 'http://env/', POLYTENE_TOKEN: 'pt_env' };
    expect(credentialsFor({}, withEnv)).toEqual({ url: 'http://env', token: 'pt_env' });
    expect(credentialsFor({ url: 'https://flag', token: 'pt_flag' }, withEnv)).toEqual({
      url: 'https://flag',
      token: 'pt_flag',
    });
  });
});

describe('exitFor', () => {
  it('says one line and answers the code; help is no error, other commander errors are usage', () => {
    const said: string[] = [];
    const say = (line: string) => said.push(line);
    expect(exitFor(new CliError(EXIT.notFound, 'deployment not found'), say)).toBe(EXIT.notFound);
    expect(exitFor(new Error('boom'), say)).toBe(EXIT.server);
    expect(said).toEqual(['polytene: deployment not found', 'polytene: boom']);
    expect(exitFor(new CommanderError(0, 'commander.helpDisplayed', ''), say)).toBe(EXIT.ok);
    expect(exitFor(new CommanderError(1, 'commander.unknownCommand', 'x'), say)).toBe(EXIT.usage);
  });
});
