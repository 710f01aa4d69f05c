import { readFileSync, existsSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import YAML from 'yaml';
import { parseNetworks } from './metrics/access.js';

/** Server configuration: defaults < YAML file (POLYTENE_CONFIG) < POLYTENE_* environment. */
export const ServerConfig = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    dataDir: Type.String({ default: './data' }),
    databaseUrl: Type.Optional(Type.String({ minLength: 1 })),
    publicUrl: Type.Optional(
      Type.String({ minLength: 1, description: 'URL people and runners use to reach this server' }),
    ),
    secretKey: Type.Optional(
      Type.String({ minLength: 32, description: 'key for secrets at rest; generated in dataDir when unset' }),
    ),
    localRunner: Type.Boolean({ default: true }),
    leaseSeconds: Type.Integer({ minimum: 5, default: 90 }),
    leaseCheckSeconds: Type.Number({ minimum: 0.1, default: 15 }),
    sessionHours: Type.Integer({ minimum: 1, default: 24 * 14 }),
    invitationDays: Type.Integer({
      minimum: 1,
      default: 7,
      description: 'how long an invitation link works',
    }),
    logRetentionDays: Type.Integer({ minimum: 0, default: 90, description: '0 keeps logs forever' }),
    logRetentionKeepPerEnvironment: Type.Integer({ minimum: 0, default: 20 }),
    logHeadBytes: Type.Integer({
      minimum: 1024,
      default: 32 * 1024 * 1024,
      description: 'past head + tail bytes, a log keeps its first this many bytes of text',
    }),
    logTailBytes: Type.Integer({
      minimum: 1024,
      default: 32 * 1024 * 1024,
      description: 'and its last this many, with one line saying how much was dropped between',
    }),
    maxBodyBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
    webhookMaxBodyBytes: Type.Integer({ minimum: 1024, default: 25 * 1024 * 1024 }),
    loginRateLimitPerMinute: Type.Integer({ minimum: 1, default: 10 }),
    trustProxy: Type.Boolean({ default: false }),
    metricsToken: Type.Optional(
      Type.String({ minLength: 16, description: 'bearer token for /metrics; unset: network rule instead' }),
    ),
    metricsAllow: Type.String({
      default: '',
      description: 'networks (CIDR, comma-separated) that may read /metrics without a token, beside loopback',
    }),
    notifyAllowPrivate: Type.Boolean({
      default: false,
      description: 'let notification hooks reach loopback and private addresses (refused by default: SSRF)',
    }),
    smtpUrl: Type.Optional(Type.String()),
    mailFrom: Type.String({ default: 'Polytene <polytene@localhost>' }),
    logLevel: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);
export type ServerConfig = Static<typeof ServerConfig>;

const ENV_KEYS: Record<string, keyof ServerConfig> = {
  POLYTENE_HOST: 'host',
  POLYTENE_PORT: 'port',
  POLYTENE_DATA_DIR: 'dataDir',
  POLYTENE_DATABASE_URL: 'databaseUrl',
  POLYTENE_PUBLIC_URL: 'publicUrl',
  POLYTENE_SECRET_KEY: 'secretKey',
  POLYTENE_LOCAL_RUNNER: 'localRunner',
  POLYTENE_LEASE_SECONDS: 'leaseSeconds',
  POLYTENE_LEASE_CHECK_SECONDS: 'leaseCheckSeconds',
  POLYTENE_SESSION_HOURS: 'sessionHours',
  POLYTENE_INVITATION_DAYS: 'invitationDays',
  POLYTENE_LOG_RETENTION_DAYS: 'logRetentionDays',
  POLYTENE_LOG_RETENTION_KEEP: 'logRetentionKeepPerEnvironment',
  POLYTENE_LOG_HEAD_BYTES: 'logHeadBytes',
  POLYTENE_LOG_TAIL_BYTES: 'logTailBytes',
  POLYTENE_MAX_BODY_BYTES: 'maxBodyBytes',
  POLYTENE_WEBHOOK_MAX_BODY_BYTES: 'webhookMaxBodyBytes',
  POLYTENE_LOGIN_RATE_LIMIT: 'loginRateLimitPerMinute',
  POLYTENE_TRUST_PROXY: 'trustProxy',
  POLYTENE_METRICS_TOKEN: 'metricsToken',
  POLYTENE_METRICS_ALLOW: 'metricsAllow',
  POLYTENE_NOTIFY_ALLOW_PRIVATE: 'notifyAllowPrivate',
  POLYTENE_SMTP_URL: 'smtpUrl',
  POLYTENE_MAIL_FROM: 'mailFrom',
  POLYTENE_LOG_LEVEL: 'logLevel',
};

export class ConfigError extends Error {}

/** Builds a config from explicit values over defaults; lists every problem at once. */
export function parseConfig(input: Record<string, unknown>): ServerConfig {
  const withDefaults = Value.Default(ServerConfig, Value.Convert(ServerConfig, structuredClone(input)));
  const errors = [...Value.Errors(ServerConfig, withDefaults)];
  const networks = networkProblem(withDefaults);
  if (errors.length > 0 || networks) {
    const lines = errors.map((e) => `  ${e.instancePath.replace(/^\//, '') || '(root)'}: ${e.message}`);
    if (networks) lines.push(`  metricsAllow: ${networks}`);
    throw new ConfigError(`invalid configuration:\n${[...new Set(lines)].join('\n')}`);
  }
  return withDefaults as ServerConfig;
}

/** metricsAllow must be a list of networks (a string in the schema, checked here). */
function networkProblem(config: unknown): string | null {
  const list = (config as { metricsAllow?: unknown } | null)?.metricsAllow;
  if (typeof list !== 'string') return null;
  try {
    parseNetworks(list);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const values: Record<string, unknown> = {};
  const file = env.POLYTENE_CONFIG;
  if (file) {
    if (!existsSync(file)) throw new ConfigError(`configuration file ${file} does not exist`);
    const parsed: unknown = YAML.parse(readFileSync(file, 'utf8'));
    if (parsed !== null && typeof parsed === 'object') Object.assign(values, parsed);
  }
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') values[key] = value;
  }
  return parseConfig(values);
}

export function publicUrlOf(config: ServerConfig): string {
  return (config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/$/, '');
}
