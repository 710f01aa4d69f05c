import type { Job, JobVariable } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Deployment, StoredVariable } from '../db/schema.js';

/** The branch's variables as the runner needs them: secret values decrypted (the runner masks them). */
export function decryptVariables(ctx: AppContext, stored: StoredVariable[]): JobVariable[] {
  return stored.map((variable) => ({
    key: variable.key,
    value: variable.secret ? ctx.secrets.decrypt(variable.encrypted ?? '') : (variable.value ?? ''),
    secret: variable.secret,
  }));
}

/** The branch's variables with the environment's in place of those of the same key, then the rest. */
export function withOverrides(branch: StoredVariable[], environment: StoredVariable[]): StoredVariable[] {
  const overridden = new Set(environment.map((v) => v.key));
  return [...branch.filter((v) => !overridden.has(v.key)), ...environment];
}

/** Everything a runner needs to run a claimed deployment; `token` is the job token, shown only here. */
export async function jobFor(ctx: AppContext, db: Db, deployment: Deployment, token: string): Promise<Job> {
  const row = await db
    .selectFrom('deployments')
    .innerJoin('projects', 'projects.id', 'deployments.project_id')
    .innerJoin('builds', 'builds.id', 'deployments.build_id')
    .innerJoin('environments', 'environments.id', 'deployments.environment_id')
    .leftJoin('branch_configs', 'branch_configs.id', 'deployments.branch_config_id')
    .select([
      'projects.name as project_name',
      'projects.clone_url',
      'builds.ref',
      'builds.sha',
      'builds.external_id',
      'branch_configs.variables',
      'environments.variables as environment_variables',
      'environments.targets',
    ])
    .where('deployments.id', '=', deployment.id)
    .executeTakeFirstOrThrow();
  return {
    id: deployment.id,
    token,
    project: { id: deployment.project_id, name: row.project_name, clone_url: row.clone_url },
    build: { id: deployment.build_id, ref: row.ref, sha: row.sha, external_id: row.external_id },
    branch: deployment.branch_name,
    environment: deployment.environment,
    artifacts_dir: deployment.artifacts_dir,
    script: deployment.script,
    timeout_seconds: deployment.timeout_seconds,
    variables: decryptVariables(ctx, withOverrides(row.variables ?? [], row.environment_variables)),
    targets: row.targets,
  };
}
