import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { ForgeSyncState } from '@polytene/protocol';
import type { Project, Runner } from '../db/schema.js';
import type { GitlabClient, GitlabDeployKey } from './client.js';
import { clientForProject, linkedGitlabProject } from './connection.js';
import { GitlabError } from './errors.js';
import { queueDeployKeyRegistration } from './tasks.js';

/**
 * The runners that must be able to clone `project`: its linked runner only, or every active shared one
 * when it has no runner of its own (shared runners never take a linked project: architecture.md §4).
 */
async function runnersNeeding(db: Db, project: Project): Promise<Runner[]> {
  return db
    .selectFrom('runners')
    .selectAll()
    .where('active', '=', true)
    .where((eb) => (project.runner_id === null ? eb('shared', '=', true) : eb('id', '=', project.runner_id)))
    .orderBy('id')
    .execute();
}

export function deployKeyTitle(ctx: AppContext, runner: Runner): string {
  return `Polytene ${new URL(ctx.publicUrl).host} runner ${runner.name} (#${runner.id})`;
}

/**
 * Makes each needed runner's public key a read-only deploy key of the GitLab project, idempotently: a key
 * GitLab already has with the same SHA256 fingerprint is reused (enabled, made read-only), never added
 * twice. Each runner's outcome is stored, and the project's deploy_key_state sums them up. A transient
 * GitLab failure leaves the state pending and throws, so the job is retried with backoff.
 */
export async function syncDeployKeys(ctx: AppContext, projectId: number): Promise<void> {
  const project = await linkedGitlabProject(ctx.db, projectId);
  if (!project) return;
  const runners = await runnersNeeding(ctx.db, project);
  await ctx.db
    .deleteFrom('gitlab_deploy_keys')
    .where('project_id', '=', projectId)
    .where('runner_id', 'not in', runners.map((r) => r.id).concat([0]))
    .execute();
  let client: GitlabClient;
  let existing: GitlabDeployKey[] = [];
  try {
    client = await clientForProject(ctx, project);
    if (runners.some((r) => r.public_key))
      existing = await client.projectDeployKeys(project.gitlab_project_id);
  } catch (error) {
    if (!(error instanceof GitlabError)) throw error;
    const state = error.transient ? 'pending' : 'failed';
    for (const runner of runners) await store(ctx.db, project.id, runner, null, state, error.message);
    await summarize(ctx.db, project.id);
    if (error.transient) throw error;
    return;
  }
  let retry: GitlabError | null = null;
  for (const runner of runners) {
    if (!runner.public_key || !runner.public_key_fingerprint) {
      await store(
        ctx.db,
        project.id,
        runner,
        null,
        'pending',
        `runner ${runner.name} has not sent its public key yet`,
      );
      continue;
    }
    try {
      const keyId = await ensureKey(ctx, client, project, runner, existing);
      await store(ctx.db, project.id, runner, keyId, 'registered', null);
    } catch (error) {
      if (!(error instanceof GitlabError)) throw error;
      if (error.transient) retry = error;
      await store(ctx.db, project.id, runner, null, error.transient ? 'pending' : 'failed', error.message);
    }
  }
  await summarize(ctx.db, project.id);
  if (retry) throw retry;
}

async function ensureKey(
  ctx: AppContext,
  client: GitlabClient,
  project: Project,
  runner: Runner,
  existing: GitlabDeployKey[],
): Promise<number> {
  const gitlabProjectId = project.gitlab_project_id!;
  const found = existing.find(
    (k) => k.fingerprint_sha256 === runner.public_key_fingerprint || sameKey(k.key, runner.public_key!),
  );
  if (found) {
    if (found.can_push) await client.makeDeployKeyReadOnly(gitlabProjectId, found.id);
    return found.id;
  }
  const known = await ctx.db
    .selectFrom('gitlab_deploy_keys')
    .innerJoin('projects', 'projects.id', 'gitlab_deploy_keys.project_id')
    .select('gitlab_deploy_keys.gitlab_key_id')
    .where('gitlab_deploy_keys.fingerprint', '=', runner.public_key_fingerprint!)
    .where('gitlab_deploy_keys.gitlab_key_id', 'is not', null)
    .where('projects.gitlab_instance_id', '=', project.gitlab_instance_id)
    .executeTakeFirst();
  if (known?.gitlab_key_id) {
    try {
      await client.enableDeployKey(gitlabProjectId, known.gitlab_key_id);
      return known.gitlab_key_id;
    } catch (error) {
      if (!(error instanceof GitlabError && error.kind === 'not_found')) throw error;
    }
  }
  const created = await client.createDeployKey(
    gitlabProjectId,
    deployKeyTitle(ctx, runner),
    runner.public_key!,
  );
  return created.id;
}

function sameKey(a: string, b: string): boolean {
  return a.trim().split(/\s+/).slice(0, 2).join(' ') === b.trim().split(/\s+/).slice(0, 2).join(' ');
}

async function store(
  db: Db,
  projectId: number,
  runner: Runner,
  keyId: number | null,
  state: ForgeSyncState,
  error: string | null,
): Promise<void> {
  const values = {
    fingerprint: runner.public_key_fingerprint ?? '',
    gitlab_key_id: keyId,
    state,
    error,
    updated_at: new Date(),
  };
  await db
    .insertInto('gitlab_deploy_keys')
    .values({ project_id: projectId, runner_id: runner.id, ...values })
    .onConflict((oc) => oc.columns(['project_id', 'runner_id']).doUpdateSet(values))
    .execute();
}

/** failed when one failed, pending when one waits, registered when all are in; null with no runner. */
async function summarize(db: Db, projectId: number): Promise<void> {
  const rows = await db
    .selectFrom('gitlab_deploy_keys')
    .select(['state', 'error'])
    .where('project_id', '=', projectId)
    .execute();
  const failed = rows.find((r) => r.state === 'failed');
  const pending = rows.find((r) => r.state === 'pending');
  const state: ForgeSyncState | null = failed
    ? 'failed'
    : pending
      ? 'pending'
      : rows.length
        ? 'registered'
        : null;
  await db
    .updateTable('projects')
    .set({ deploy_key_state: state, deploy_key_error: (failed ?? pending)?.error ?? null })
    .where('id', '=', projectId)
    .execute();
}

/**
 * A runner's key changed, or it was paused or resumed: queue every GitLab project it must clone (also
 * those without a runner of their own when it is shared, as a shared runner takes their deployments). With `allProjects`
 * (it became shared or stopped being shared) every GitLab project is queued, so the ones it no longer
 * serves drop its key from their state.
 */
export async function queueDeployKeysForRunner(
  ctx: AppContext,
  runnerId: number,
  allProjects = false,
): Promise<void> {
  const runner = await ctx.db.selectFrom('runners').selectAll().where('id', '=', runnerId).executeTakeFirst();
  if (!runner) return;
  await ctx.db.transaction().execute(async (trx) => {
    let query = trx.selectFrom('projects').select('id').where('source', '=', 'gitlab');
    if (!allProjects) {
      query = query.where((eb) =>
        runner.shared
          ? eb.or([eb('runner_id', '=', runner.id), eb('runner_id', 'is', null)])
          : eb('runner_id', '=', runner.id),
      );
    }
    for (const { id } of await query.execute()) await queueDeployKeyRegistration(ctx, trx, id);
  });
}
