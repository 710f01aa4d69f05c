import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql, type SelectType } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  APPROVAL_DECISIONS,
  BUILD_SOURCES,
  CI_STATUSES,
  DEPLOYMENT_STATUSES,
  NOTIFICATION_DELIVERY_EVENTS,
  NOTIFICATION_DELIVERY_STATUSES,
  NOTIFICATION_HOOK_KINDS,
  DEPLOYMENT_TRIGGERS,
  DEPLOYMENT_TYPES,
  FAILURE_REASONS,
  FORGE_SYNC_STATES,
  FREEZE_KINDS,
  LOCALES,
  MEMBER_ROLES,
  PROJECT_SOURCES,
  USER_ROLES,
} from '@polytene/protocol';
import { openDatabase, type DatabaseHandle } from './database.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { withDatabase } from '../test-support/global-setup.js';

/**
 * Every column of every table with whether it may be null, as db/schema.ts types it: the mapped type makes
 * this literal a compile error when schema.ts gains, loses or changes the nullability of a column, and the
 * test below compares it with what the migrations really create. So neither can drift from the other.
 */
type Nullability<T> = {
  readonly [K in keyof T]-?: null extends SelectType<T[K]> ? 'nullable' : 'not null';
};
const TABLE_COLUMNS: { readonly [T in keyof Database]: Nullability<Database[T]> } = {
  api_tokens: {
    id: 'not null',
    user_id: 'not null',
    name: 'not null',
    token_hash: 'not null',
    token_prefix: 'not null',
    created_at: 'not null',
    last_used_at: 'nullable',
    revoked_at: 'nullable',
  },
  invitations: {
    id: 'not null',
    email: 'not null',
    role: 'not null',
    token_hash: 'not null',
    invited_by: 'nullable',
    expires_at: 'not null',
    accepted_at: 'nullable',
    accepted_user_id: 'nullable',
    revoked_at: 'nullable',
    created_at: 'not null',
  },
  audit_events: {
    id: 'not null',
    actor_id: 'nullable',
    actor_login: 'nullable',
    action: 'not null',
    entity_type: 'not null',
    entity_id: 'nullable',
    project_id: 'nullable',
    before: 'nullable',
    after: 'nullable',
    ip: 'nullable',
    created_at: 'not null',
  },
  branch_configs: {
    id: 'not null',
    project_id: 'not null',
    branch_name: 'not null',
    deployment_type: 'not null',
    deployment_script: 'not null',
    environment: 'not null',
    environment_id: 'not null',
    artifacts_dir: 'not null',
    notification_emails: 'not null',
    failed_build_can_be_auto_deployed: 'not null',
    timeout_seconds: 'not null',
    variables: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  environments: {
    id: 'not null',
    project_id: 'not null',
    name: 'not null',
    position: 'not null',
    url: 'nullable',
    variables: 'not null',
    targets: 'not null',
    held_by: 'nullable',
    held_at: 'nullable',
    hold_reason: 'nullable',
    held_by_deployment_id: 'nullable',
    freeze_expire_hours: 'nullable',
    created_at: 'not null',
    updated_at: 'not null',
    protected: 'not null',
    required_approvals: 'not null',
  },
  environment_deployers: {
    environment_id: 'not null',
    user_id: 'not null',
  },
  deployment_approvals: {
    id: 'not null',
    deployment_id: 'not null',
    user_id: 'not null',
    decision: 'not null',
    comment: 'nullable',
    created_at: 'not null',
  },
  freeze_windows: {
    id: 'not null',
    environment_id: 'not null',
    kind: 'not null',
    starts_weekday: 'nullable',
    starts_time: 'nullable',
    ends_weekday: 'nullable',
    ends_time: 'nullable',
    time_zone: 'nullable',
    starts_at: 'nullable',
    ends_at: 'nullable',
    reason: 'nullable',
    created_by: 'nullable',
    created_at: 'not null',
  },
  builds: {
    id: 'not null',
    project_id: 'not null',
    branch_config_id: 'nullable',
    external_id: 'nullable',
    source: 'not null',
    status: 'not null',
    ref: 'not null',
    is_tag: 'not null',
    sha: 'not null',
    before_sha: 'nullable',
    started_at: 'nullable',
    finished_at: 'nullable',
    payload: 'nullable',
    auto_deploy_handled: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
    commit_title: 'nullable',
    commit_author_name: 'nullable',
    commit_author_email: 'nullable',
    commit_url: 'nullable',
    pipeline_url: 'nullable',
    committed_at: 'nullable',
  },
  deployments: {
    id: 'not null',
    build_id: 'not null',
    project_id: 'not null',
    branch_config_id: 'nullable',
    environment: 'not null',
    environment_id: 'not null',
    status: 'not null',
    failure_reason: 'nullable',
    exit_code: 'nullable',
    message: 'nullable',
    trigger: 'not null',
    triggered_by: 'nullable',
    runner_id: 'nullable',
    branch_name: 'not null',
    script: 'not null',
    artifacts_dir: 'not null',
    timeout_seconds: 'not null',
    job_token_hash: 'nullable',
    queued_at: 'not null',
    started_at: 'nullable',
    finished_at: 'nullable',
    lease_expires_at: 'nullable',
    cancel_requested_at: 'nullable',
    cancel_requested_by: 'nullable',
    last_log_n: 'not null',
    log_bytes: 'not null',
    logs_deleted_at: 'nullable',
    rollback: 'not null',
    freeze_override_by: 'nullable',
    freeze_override_reason: 'nullable',
    freeze_override_at: 'nullable',
    created_at: 'not null',
    updated_at: 'not null',
    phase: 'nullable',
    phase_started_at: 'nullable',
  },
  gitlab_connections: {
    user_id: 'not null',
    token_encrypted: 'not null',
    verified_username: 'nullable',
    last_error: 'nullable',
    created_at: 'not null',
    updated_at: 'not null',
    instance_id: 'not null',
  },
  gitlab_deploy_keys: {
    project_id: 'not null',
    runner_id: 'not null',
    fingerprint: 'not null',
    gitlab_key_id: 'nullable',
    state: 'not null',
    error: 'nullable',
    updated_at: 'not null',
  },
  gitlab_deployment_reports: {
    deployment_id: 'not null',
    gitlab_deployment_id: 'nullable',
    deployment_status: 'nullable',
    commit_status: 'nullable',
    error: 'nullable',
    updated_at: 'not null',
  },
  github_status_reports: {
    deployment_id: 'not null',
    state: 'nullable',
    error: 'nullable',
    updated_at: 'not null',
  },
  gitlab_instances: {
    id: 'not null',
    name: 'not null',
    url: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  gitlab_job_events: {
    project_id: 'not null',
    job_id: 'not null',
    pipeline_id: 'nullable',
    name: 'not null',
    stage: 'nullable',
    status: 'not null',
    ref: 'not null',
    sha: 'not null',
    payload: 'not null',
    updated_at: 'not null',
  },
  idempotency_keys: {
    scope: 'not null',
    key: 'not null',
    response: 'not null',
    created_at: 'not null',
  },
  log_chunks: {
    deployment_id: 'not null',
    first_n: 'not null',
    last_n: 'not null',
    lines: 'not null',
    bytes: 'not null',
    part: 'not null',
    data: 'not null',
  },
  log_sections: {
    deployment_id: 'not null',
    start_line: 'not null',
    end_line: 'nullable',
    name: 'not null',
    header: 'not null',
    started_at: 'not null',
    ended_at: 'nullable',
    depth: 'not null',
    collapsed: 'not null',
  },
  notification_deliveries: {
    deployment_id: 'not null',
    channel: 'not null',
    sent_at: 'not null',
  },
  notification_hooks: {
    id: 'not null',
    project_id: 'not null',
    environment: 'nullable',
    kind: 'not null',
    url: 'not null',
    secret_encrypted: 'nullable',
    events: 'not null',
    created_at: 'not null',
  },
  notification_hook_deliveries: {
    id: 'not null',
    hook_id: 'not null',
    deployment_id: 'nullable',
    event: 'not null',
    status: 'not null',
    attempts: 'not null',
    response_status: 'nullable',
    response_body: 'nullable',
    error: 'nullable',
    created_at: 'not null',
    updated_at: 'not null',
  },
  project_members: {
    project_id: 'not null',
    user_id: 'not null',
    role: 'not null',
    created_at: 'not null',
  },
  projects: {
    id: 'not null',
    name: 'not null',
    source: 'not null',
    gitlab_url: 'nullable',
    gitlab_project_id: 'nullable',
    gitlab_hook_id: 'nullable',
    gitlab_report: 'not null',
    clone_url: 'not null',
    http_url: 'nullable',
    web_url: 'nullable',
    default_branch: 'not null',
    owner_id: 'nullable',
    public: 'not null',
    runner_id: 'nullable',
    webhook_secret_encrypted: 'not null',
    webhook_secret_hash: 'not null',
    deploy_key_state: 'nullable',
    deploy_key_error: 'nullable',
    created_at: 'not null',
    updated_at: 'not null',
    gitlab_user_id: 'nullable',
    gitlab_hook_error: 'nullable',
    gitlab_hook_state: 'nullable',
    gitlab_instance_id: 'nullable',
    github_repository: 'nullable',
    github_api_url: 'nullable',
    github_token_encrypted: 'nullable',
  },
  runners: {
    id: 'not null',
    name: 'not null',
    owner_id: 'nullable',
    token_hash: 'not null',
    active: 'not null',
    shared: 'not null',
    public_key: 'nullable',
    public_key_fingerprint: 'nullable',
    concurrency: 'not null',
    version: 'nullable',
    hostname: 'nullable',
    last_seen_at: 'nullable',
    created_at: 'not null',
    updated_at: 'not null',
  },
  sessions: {
    id: 'not null',
    token_hash: 'not null',
    user_id: 'not null',
    created_at: 'not null',
    last_seen_at: 'not null',
    expires_at: 'not null',
    ip: 'nullable',
    user_agent: 'nullable',
  },
  users: {
    id: 'not null',
    login: 'not null',
    email: 'not null',
    name: 'not null',
    password_hash: 'not null',
    role: 'not null',
    locale: 'not null',
    must_change_password: 'not null',
    disabled: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};

/** Each enumerated column's CHECK list and the protocol array it must equal. */
const ENUM_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  'users.role': USER_ROLES,
  'users.locale': LOCALES,
  'invitations.role': USER_ROLES,
  'project_members.role': MEMBER_ROLES,
  'projects.source': PROJECT_SOURCES,
  'projects.deploy_key_state': FORGE_SYNC_STATES,
  'projects.gitlab_hook_state': FORGE_SYNC_STATES,
  'branch_configs.deployment_type': DEPLOYMENT_TYPES,
  'builds.source': BUILD_SOURCES,
  'builds.status': CI_STATUSES,
  'deployments.status': DEPLOYMENT_STATUSES,
  'notification_hooks.kind': NOTIFICATION_HOOK_KINDS,
  'notification_hook_deliveries.event': NOTIFICATION_DELIVERY_EVENTS,
  'notification_hook_deliveries.status': NOTIFICATION_DELIVERY_STATUSES,
  'deployments.failure_reason': FAILURE_REASONS,
  'deployments.trigger': DEPLOYMENT_TRIGGERS,
  'gitlab_deploy_keys.state': FORGE_SYNC_STATES,
  'freeze_windows.kind': FREEZE_KINDS,
  'deployment_approvals.decision': APPROVAL_DECISIONS,
};

let name: string;
let database: DatabaseHandle;
let firstRun: string[];
let secondRun: string[];

beforeAll(async () => {
  name = `polytene_schema_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  database = openDatabase(withDatabase(inject('pgAdminUrl'), name), 2);
  firstRun = await migrateToLatest(database.db);
  secondRun = await migrateToLatest(database.db);
});

afterAll(async () => {
  await database.close();
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('the database schema', () => {
  it('migrates from an empty database, and a second run changes nothing', () => {
    expect(firstRun.length).toBeGreaterThan(0);
    expect(secondRun).toEqual([]);
  });

  it('has exactly the tables, columns and nullability db/schema.ts declares', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: 'YES' | 'NO' }>`
      SELECT table_name, column_name, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%'
      ORDER BY table_name, column_name`.execute(database.db);
    const actual: Record<string, Record<string, string>> = {};
    for (const row of rows)
      (actual[row.table_name] ??= {})[row.column_name] = row.is_nullable === 'YES' ? 'nullable' : 'not null';
    expect(actual).toEqual(TABLE_COLUMNS);
  });

  it('checks each enumerated column against exactly the protocol list', async () => {
    const { rows } = await sql<{ table_name: string; definition: string }>`
      SELECT conrelid::regclass::text AS table_name, pg_get_constraintdef(oid) AS definition
      FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace`.execute(database.db);
    const lists: Record<string, string[]> = {};
    for (const { table_name, definition } of rows) {
      // PostgreSQL prints `col IN ('a', 'b')` as: CHECK ((col = ANY (ARRAY['a'::text, 'b'::text])))
      const match = /^CHECK \(\(?(\w+) = ANY \(ARRAY\[(.*)\]\)\)\)?$/.exec(definition);
      if (!match) continue;
      const values = [...(match[2] ?? '').matchAll(/'([^']*)'::text/g)].map((m) => m[1] ?? '');
      lists[`${table_name}.${match[1] ?? ''}`] = values;
    }
    const expected = Object.fromEntries(
      Object.entries(ENUM_COLUMNS).map(([column, list]) => [column, [...list]]),
    );
    expect(lists).toEqual(expected);
  });
});
