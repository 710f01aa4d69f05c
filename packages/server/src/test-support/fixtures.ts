import { randomBytes } from 'node:crypto';
import type { DeploymentTrigger, DeploymentType } from '@polytene/protocol';
import type { RunningServer } from '../server.js';
import type { AuditEvent, BranchConfig, Build, Deployment, Project, Runner } from '../db/schema.js';
import { hashToken, newToken } from '../secrets.js';

/**
 * Rows straight in the database, for tests of one feature that need others' records to exist.
 * Tests of the feature that owns a record create it through its API instead.
 */
export async function insertRunner(
  server: RunningServer,
  values: { name?: string; owner_id?: number | null; shared?: boolean; active?: boolean } = {},
): Promise<{ runner: Runner; token: string }> {
  const token = newToken('prt');
  const runner = await server.ctx.db
    .insertInto('runners')
    .values({
      name: values.name ?? `runner-${randomBytes(3).toString('hex')}`,
      owner_id: values.owner_id ?? null,
      token_hash: hashToken(token),
      shared: values.shared ?? false,
      active: values.active ?? true,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { runner, token };
}

export async function insertProject(
  server: RunningServer,
  values: {
    name?: string;
    owner_id?: number | null;
    runner_id?: number | null;
    public?: boolean;
    clone_url?: string;
  } = {},
): Promise<{ project: Project; webhookSecret: string }> {
  const secret = randomBytes(24).toString('base64url');
  const project = await server.ctx.db
    .insertInto('projects')
    .values({
      name: values.name ?? `project-${randomBytes(3).toString('hex')}`,
      clone_url: values.clone_url ?? 'https://git.example.test/group/app.git',
      owner_id: values.owner_id ?? null,
      runner_id: values.runner_id ?? null,
      public: values.public ?? false,
      webhook_secret_encrypted: server.ctx.secrets.encrypt(secret),
      webhook_secret_hash: hashToken(secret),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { project, webhookSecret: secret };
}

/** `user` a member of `project`, with the database's default role (deployer). */
export async function insertMember(
  server: RunningServer,
  project: Pick<Project, 'id'>,
  user: { id: number },
): Promise<void> {
  await server.ctx.db
    .insertInto('project_members')
    .values({ project_id: project.id, user_id: user.id })
    .execute();
}

export async function insertBranchConfig(
  server: RunningServer,
  values: {
    project_id: number;
    branch_name?: string;
    deployment_type?: DeploymentType;
    deployment_script?: string;
    environment?: string;
    timeout_seconds?: number;
  },
): Promise<BranchConfig> {
  return server.ctx.db
    .insertInto('branch_configs')
    .values({
      project_id: values.project_id,
      branch_name: values.branch_name ?? 'main',
      deployment_type: values.deployment_type ?? 'manual',
      deployment_script: values.deployment_script ?? 'echo deploy',
      environment: values.environment ?? 'production',
      timeout_seconds: values.timeout_seconds ?? 7200,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function randomSha(): string {
  return randomBytes(20).toString('hex');
}

export async function insertBuild(
  server: RunningServer,
  values: {
    project_id: number;
    branch_config_id?: number | null;
    ref?: string;
    sha?: string;
    status?: Build['status'];
  },
): Promise<Build> {
  return server.ctx.db
    .insertInto('builds')
    .values({
      project_id: values.project_id,
      branch_config_id: values.branch_config_id ?? null,
      source: 'api',
      status: values.status ?? 'success',
      ref: values.ref ?? 'main',
      sha: values.sha ?? randomSha(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A queued deployment of `build`, copying what runs from the branch config (no events, no audit). */
export async function insertQueuedDeployment(
  server: RunningServer,
  build: Build,
  config: BranchConfig,
  trigger: DeploymentTrigger = 'user',
): Promise<Deployment> {
  return server.ctx.db
    .insertInto('deployments')
    .values({
      build_id: build.id,
      project_id: build.project_id,
      branch_config_id: config.id,
      environment: config.environment,
      trigger,
      branch_name: config.branch_name,
      script: config.deployment_script,
      artifacts_dir: config.artifacts_dir,
      timeout_seconds: config.timeout_seconds,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The audit events with these values, oldest first. */
export async function auditEvents(
  server: RunningServer,
  where: Partial<Pick<AuditEvent, 'action' | 'entity_type' | 'entity_id' | 'project_id'>>,
): Promise<AuditEvent[]> {
  return server.ctx.db
    .selectFrom('audit_events')
    .selectAll()
    .where((eb) => eb.and(where))
    .orderBy('id')
    .execute();
}
