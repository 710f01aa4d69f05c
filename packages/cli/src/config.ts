import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, EXIT } from './errors.js';

/** What `polytene login` keeps: the server, the personal API token and whose it is. */
export interface CliConfig {
  url: string;
  token: string;
  login?: string;
}

/** $XDG_CONFIG_HOME/polytene/config.json, or ~/.config/polytene/config.json. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'polytene', 'config.json');
}

/** The saved config, or null when there is none; a damaged file is an error naming it. */
export function readConfig(file = configPath()): CliConfig | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(EXIT.usage, `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<CliConfig>;
    if (typeof parsed.url === 'string' && typeof parsed.token === 'string') {
      return { url: parsed.url, token: parsed.token, login: parsed.login };
    }
  } catch {
    // reported below
  }
  throw new CliError(EXIT.usage, `${file} is not a polytene config; run "polytene login" again`);
}

/**
 * Writes the config readable by its owner only (0600, in a 0700 directory), atomically: a temporary
 * file in the same directory, then a rename, so a crash never leaves half a file or a readable token.
 */
export function writeConfig(config: CliConfig, file = configPath()): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.config.json.${process.pid}.tmp`);
  try {
    writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'w' });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new CliError(EXIT.usage, `cannot write ${file}: ${(error as Error).message}`);
  }
}

/** Removes the saved config; true when there was one. */
export function removeConfig(file = configPath()): boolean {
  try {
    rmSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CliError(EXIT.usage, `cannot remove ${file}: ${(error as Error).message}`);
  }
}

/** A server URL as the CLI keeps it: http(s), no trailing slash. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(EXIT.usage, `"${raw}" is not a URL; give one like https://polytene.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(EXIT.usage, `"${raw}" is not an http:// or https:// URL`);
  }
  return url.href.replace(/\/+$/, '');
}
