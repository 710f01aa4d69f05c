import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import YAML from 'yaml';

/**
 * Runner configuration: YAML file < command-line flags < POLYTENE_RUNNER_* environment. Validated once;
 * every problem is listed, one line each.
 */
export const RunnerConfig = Type.Object(
  {
    url: Type.String({ minLength: 1, description: 'base URL of the Polytene server' }),
    token: Type.String({ minLength: 1, description: 'the runner token shown once when it was created' }),
    sshKey: Type.Optional(Type.String({ minLength: 1, description: 'path of the private SSH key for git' })),
    workDir: Type.String({ minLength: 1, default: defaultWorkDir() }),
    concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 1 }),
    shutdownGraceSeconds: Type.Number({ minimum: 0, default: 60 }),
    killGraceSeconds: Type.Number({ minimum: 0, default: 10 }),
    logLimitBytes: Type.Integer({ minimum: 1024, default: 100 * 1024 * 1024 }),
    logMemoryBytes: Type.Integer({ minimum: 256 * 1024, default: 4 * 1024 * 1024 }),
    pidFile: Type.Optional(Type.String({ minLength: 1 })),
    logFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type RunnerConfig = Static<typeof RunnerConfig>;
export type RunnerConfigKey = keyof RunnerConfig;

/** Names used in the YAML file, in flags (kebab-case) and in the environment. */
export const CONFIG_KEYS: readonly { key: RunnerConfigKey; yaml: string; flag: string; env: string }[] = (
  [
    ['url', 'url'],
    ['token', 'token'],
    ['sshKey', 'ssh_key'],
    ['workDir', 'work_dir'],
    ['concurrency', 'concurrency'],
    ['shutdownGraceSeconds', 'shutdown_grace_seconds'],
    ['killGraceSeconds', 'kill_grace_seconds'],
    ['logLimitBytes', 'log_limit_bytes'],
    ['logMemoryBytes', 'log_memory_bytes'],
    ['pidFile', 'pid_file'],
    ['logFile', 'log_file'],
  ] as const
).map(([key, yaml]) => ({
  key,
  yaml,
  flag: yaml.replaceAll('_', '-'),
  env: `POLYTENE_RUNNER_${yaml.toUpperCase()}`,
}));

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export function defaultWorkDir(): string {
  return path.join(os.homedir(), '.local', 'share', 'polytene-runner');
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'polytene-runner', 'config.yml');
}

export function pidFileOf(config: RunnerConfig): string {
  return config.pidFile ?? path.join(config.workDir, 'runner.pid');
}

export function logFileOf(config: RunnerConfig): string {
  return config.logFile ?? path.join(config.workDir, 'runner.log');
}

export interface ConfigSources {
  /** The YAML file; `required` when the user named it explicitly. */
  file?: { path: string; required: boolean };
  /** Values from flags, by config key. */
  flags?: Partial<Record<RunnerConfigKey, unknown>>;
  env?: NodeJS.ProcessEnv;
}

/** Merges the sources, validates, and checks the files and directories the config names. */
export function loadRunnerConfig(sources: ConfigSources): RunnerConfig {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  if (sources.file) Object.assign(values, readConfigFile(sources.file.path, sources.file.required, problems));
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) values[key] = value;
  }
  const env = sources.env ?? process.env;
  for (const { key, env: name } of CONFIG_KEYS) {
    const value = env[name];
    if (value !== undefined && value !== '') values[key] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return parseRunnerConfig(values);
}

/** Validates explicit values over the defaults (also used by the server for its built-in runner). */
export function parseRunnerConfig(input: Record<string, unknown>): RunnerConfig {
  const problems: string[] = [];
  const converted = Value.Default(
    RunnerConfig,
    Value.Convert(RunnerConfig, structuredClone(input)),
  ) as Record<string, unknown>;
  for (const error of Value.Errors(RunnerConfig, converted)) {
    problems.push(describeSchemaError(error.instancePath, error.keyword, error.params, error.message));
  }
  for (const key of ['workDir', 'sshKey'] as const) {
    const value = converted[key];
    if (typeof value === 'string' && value.length > 0) converted[key] = path.resolve(value);
  }
  problems.push(...checkEnvironment(converted));
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return converted as RunnerConfig;
}

function readConfigFile(file: string, required: boolean, problems: string[]): Record<string, unknown> {
  if (!existsSync(file)) {
    if (required) problems.push(`config file ${file} does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`config file ${file} cannot be read: ${firstLine(error)}`);
    return {};
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(`config file ${file} must hold a YAML mapping of settings`);
    return {};
  }
  const byYamlName = new Map(CONFIG_KEYS.map((k) => [k.yaml, k.key]));
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const key = byYamlName.get(name);
    if (key) values[key] = value;
    else problems.push(`config file ${file}: unknown setting "${name}"`);
  }
  return values;
}

function describeSchemaError(pointer: string, keyword: string, params: unknown, message: string): string {
  const key = pointer.replace(/^\//, '');
  const spec = CONFIG_KEYS.find((k) => k.key === key);
  if (keyword === 'required') {
    const missing = (params as { requiredProperties?: string[] }).requiredProperties ?? [];
    return missing
      .map((name) => {
        const k = CONFIG_KEYS.find((c) => c.key === name);
        return k ? `${k.yaml} is required (--${k.flag} or ${k.env})` : `${name} is required`;
      })
      .join('\n');
  }
  if (keyword === 'additionalProperties') {
    const extra = (params as { additionalProperties?: string[] }).additionalProperties ?? [];
    return extra.map((name) => `unknown setting "${name}"`).join('\n');
  }
  if (!spec && key) return `unknown setting "${key}"`;
  return `${spec?.yaml ?? 'configuration'}: ${message}`;
}

/** Checks what the schema cannot: the URL's form, the key file, the work directory (valid strings only). */
function checkEnvironment(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof config.url === 'string' && config.url.length > 0) {
    let url: URL | null = null;
    try {
      url = new URL(config.url);
    } catch {
      problems.push(`url: "${config.url}" is not a URL (expected e.g. https://polytene.example.com)`);
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`url: must start with http:// or https://, not ${url.protocol}`);
    }
  }
  if (typeof config.sshKey === 'string' && config.sshKey.length > 0) {
    const problem = fileProblem(config.sshKey);
    if (problem) problems.push(`ssh_key: ${config.sshKey} ${problem}`);
  }
  if (typeof config.workDir === 'string' && config.workDir.length > 0) {
    const workDirProblem = writableDirProblem(config.workDir);
    if (workDirProblem) problems.push(`work_dir: ${config.workDir} ${workDirProblem}`);
  }
  return problems;
}

function fileProblem(file: string): string | null {
  if (!existsSync(file)) return 'does not exist';
  if (!statSync(file).isFile()) return 'is not a file';
  try {
    accessSync(file, constants.R_OK);
  } catch {
    return 'is not readable by this user';
  }
  return null;
}

/** Creates the directory when missing; null when this process can use it. */
function writableDirProblem(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EACCES')
      return 'is not readable and writable by this user';
    return `cannot be created: ${firstLine(error)}`;
  }
  if (!statSync(dir).isDirectory()) return 'is not a directory';
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    return 'is not readable and writable by this user';
  }
  return null;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
