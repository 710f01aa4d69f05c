import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { CONFIG_KEYS, ConfigError, defaultWorkDir, parseRunnerConfig, type RunnerConfig } from './config.js';

const run = promisify(execFile);

export interface ConfigureAnswers {
  url?: string;
  token?: string;
  sshKey?: string;
  workDir?: string;
  concurrency?: string;
}

export function defaultKeyPath(): string {
  return path.join(os.homedir(), '.ssh', 'polytene_runner_ed25519');
}

/** Creates an ed25519 key pair without a passphrase (`<file>` and `<file>.pub`). */
export async function generateKey(file: string, comment = `polytene-runner@${os.hostname()}`): Promise<void> {
  if (existsSync(file)) throw new ConfigError([`ssh_key: ${file} already exists; not overwriting it`]);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

/** Asks for each setting on the terminal, checking every answer before going on. */
export async function askAnswers(initial: ConfigureAnswers, generate: boolean): Promise<ConfigureAnswers> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const ask = async (
      question: string,
      fallback: string | undefined,
      problem: (v: string) => string | null,
    ) => {
      for (;;) {
        const answer =
          (await rl.question(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim() || fallback || '';
        const why = problem(answer);
        if (!why) return answer;
        console.log(`  ${why}`);
      }
    };
    const url = await ask('Polytene URL', initial.url, urlProblem);
    const token = await ask('Runner token', initial.token, (v) => (v ? null : 'the token is required'));
    const sshKey = await ask('SSH private key path', initial.sshKey ?? defaultKeyPath(), (v) =>
      v ? null : 'a path is required',
    );
    if (!existsSync(sshKey)) {
      const yes =
        generate ||
        /^(y|yes|)$/i.test((await rl.question(`Generate an ed25519 key pair at ${sshKey}? [Y/n]: `)).trim());
      if (!yes) throw new ConfigError([`ssh_key: ${sshKey} does not exist`]);
      await generateKey(sshKey);
      console.log(`  generated ${sshKey} and ${sshKey}.pub`);
    }
    const workDir = await ask('Work directory', initial.workDir ?? defaultWorkDir(), (v) =>
      v ? null : 'required',
    );
    const concurrency = await ask('Deployments at once', initial.concurrency ?? '1', (v) =>
      /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 256 ? null : 'a whole number from 1 to 256',
    );
    return { url, token, sshKey, workDir, concurrency };
  } finally {
    rl.close();
  }
}

export function urlProblem(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? null
      : 'the URL must start with http:// or https://';
  } catch {
    return 'not a URL (expected e.g. https://polytene.example.com)';
  }
}

/** The settings already in the file, to offer as defaults. */
export function existingAnswers(file: string): ConfigureAnswers {
  if (!existsSync(file)) return {};
  try {
    const parsed = YAML.parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
    const pick = (name: string) => (parsed && parsed[name] !== undefined ? String(parsed[name]) : undefined);
    return {
      url: pick('url'),
      token: pick('token'),
      sshKey: pick('ssh_key'),
      workDir: pick('work_dir'),
      concurrency: pick('concurrency'),
    };
  } catch {
    return {};
  }
}

/** Validates the answers as a whole and writes them as YAML, readable by the owner only. */
export function writeConfigFile(file: string, answers: ConfigureAnswers): RunnerConfig {
  const config = parseRunnerConfig({ ...answers });
  const out: Record<string, unknown> = {};
  for (const { key, yaml } of CONFIG_KEYS) {
    const value = config[key];
    if (value !== undefined && ['url', 'token', 'sshKey', 'workDir', 'concurrency'].includes(key))
      out[yaml] = value;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, YAML.stringify(out), { mode: 0o600 });
  chmodSync(file, 0o600);
  return config;
}
