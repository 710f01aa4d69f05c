import { randomBytes } from 'node:crypto';
import { refNameProblem, type FieldProblem, type GithubConnectionInput } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Project, User } from '../db/schema.js';
import { recordAudit, type Actor } from '../audit/service.js';
import { notFound } from '../errors.js';
import { hashToken } from '../secrets.js';
import { canUseRunner } from '../runners/service.js';
import { forgeFor } from '../forges/forge.js';
import { NEEDS, accessTo, allows, loadProject, permissionsFor, visibleTo } from './access.js';
import { problem } from '../http/problems.js';
import { cloneUrlProblem, invalidField, invalidFields } from './validation.js';
import { toProjectView, type ProjectView } from './view.js';
import { githubColumns } from './github.js';

export interface NewProjectInput {
  name: string;
  clone_url: string;
  default_branch?: string;
  runner_id?: number | null;
  public?: boolean;
  /** GitHub Actions as the CI, deployments reported as commit statuses (architecture.md §8). */
  github?: GithubConnectionInput;
}

export interface ProjectChanges {
  name?: string;
  clone_url?: string;
  default_branch?: string;
  runner_id?: number | null;
  public?: boolean;
  gitlab_report?: boolean;
  /** Connects the project to a GitHub repository, or (null) disconnects it. */
  github?: GithubConnectionInput | null;
}

/** A new random webhook secret: encrypted to show it again, hashed to find its project by it. */
function newWebhookSecret(ctx: AppContext) {
  const secret = randomBytes(24).toString('base64url');
  return { webhook_secret_encrypted: ctx.secrets.encrypt(secret), webhook_secret_hash: hashToken(secret) };
}

/** The fields an audit event shows of a project (the webhook secret never). */
function auditable(project: Project) {
  return {
    name: project.name,
    clone_url: project.clone_url,
    default_branch: project.default_branch,
    owner_id: project.owner_id,
    runner_id: project.runner_id,
    public: project.public,
    gitlab_report: project.gitlab_report,
    github_repository: project.github_repository,
    github_api_url: project.github_api_url,
    github_token_set: project.github_token_encrypted !== null,
  };
}

/** Every problem of the clone URL and the default branch (also for a body that failed its schema). */
export function projectFieldProblems(input: { clone_url?: string; default_branch?: string }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const url = input.clone_url === undefined ? null : cloneUrlProblem(input.clone_url);
  if (url) problems.push(problem('clone_url', 'clone_url', url));
  const branch = input.default_branch === undefined ? null : refNameProblem(input.default_branch);
  if (branch) problems.push(problem('default_branch', 'git_ref', branch));
  return problems;
}

function checkFields(input: { clone_url?: string; default_branch?: string }): void {
  const problems = projectFieldProblems(input);
  if (problems.length) throw invalidFields(problems);
}

/** A runner may be linked only by someone who may use it: its owner, anyone when shared, an admin. */
async function checkRunnerUsable(db: Db, user: User, runnerId: number): Promise<void> {
  const runner = await db.selectFrom('runners').selectAll().where('id', '=', runnerId).executeTakeFirst();
  if (!runner || !canUseRunner(user, runner)) {
    throw invalidField('runner_id', 'is not a runner you may use');
  }
}

export async function listProjects(
  db: Db,
  user: User,
  options: { q?: string; page: number; perPage: number },
): Promise<{ projects: Project[]; total: number }> {
  let query = db.selectFrom('projects').where(visibleTo(user));
  if (options.q) {
    const like = `%${options.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where('projects.name', 'ilike', like);
  }
  const [projects, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('projects.name')
      .orderBy('projects.id')
      .limit(options.perPage)
      .offset((options.page - 1) * options.perPage)
      .execute(),
    query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { projects, total: Number(count.total) };
}

export async function createProject(
  ctx: AppContext,
  actor: Actor,
  user: User,
  input: NewProjectInput,
): Promise<Project> {
  checkFields(input);
  const github = input.github ? await githubColumns(ctx, null, input.github) : {};
  return ctx.db.transaction().execute(async (trx) => {
    if (input.runner_id != null) await checkRunnerUsable(trx, user, input.runner_id);
    const project = await trx
      .insertInto('projects')
      .values({
        name: input.name,
        clone_url: input.clone_url,
        default_branch: input.default_branch ?? 'main',
        runner_id: input.runner_id ?? null,
        public: input.public ?? false,
        owner_id: user.id,
        ...github,
        ...newWebhookSecret(ctx),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'create',
      entityType: 'project',
      entityId: project.id,
      projectId: project.id,
      after: auditable(project),
    });
    return project;
  });
}

export async function updateProject(
  ctx: AppContext,
  actor: Actor,
  user: User,
  id: number,
  changes: ProjectChanges,
): Promise<Project> {
  checkFields(changes);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await loadProject(trx, user, id, NEEDS.edit_project);
    if (changes.runner_id != null && changes.runner_id !== before.runner_id) {
      await checkRunnerUsable(trx, user, changes.runner_id);
    }
    const { github: connection, ...columns } = changes;
    const github = connection === undefined ? {} : await githubColumns(ctx, before, connection);
    const after = await trx
      .updateTable('projects')
      .set({ ...columns, ...github, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (after.runner_id !== before.runner_id) await forgeFor(after)?.registerDeployKeys(ctx, trx, after);
    await recordAudit(trx, {
      actor,
      action: 'update',
      entityType: 'project',
      entityId: id,
      projectId: id,
      before: auditable(before),
      after: auditable(after),
    });
    return after;
  });
}

/** Removes a project with its branch configs, builds, deployments and logs. */
export async function deleteProject(ctx: AppContext, actor: Actor, user: User, id: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const before = await loadProject(trx, user, id, NEEDS.delete_project);
    await forgeFor(before)?.removeWebhook(ctx, trx, before);
    await trx.deleteFrom('projects').where('id', '=', id).execute();
    await recordAudit(trx, {
      actor,
      action: 'delete',
      entityType: 'project',
      entityId: id,
      projectId: id,
      before: auditable(before),
    });
  });
}

/** Replaces the webhook secret; CI calls with the old one are refused from now on. */
export async function regenerateWebhookSecret(
  ctx: AppContext,
  actor: Actor,
  user: User,
  id: number,
): Promise<Project> {
  return ctx.db.transaction().execute(async (trx) => {
    await loadProject(trx, user, id, NEEDS.edit_project);
    const project = await trx
      .updateTable('projects')
      .set({ ...newWebhookSecret(ctx), updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      action: 'webhook_secret_regenerate',
      entityType: 'project',
      entityId: id,
      projectId: id,
    });
    await forgeFor(project)?.updateWebhook(ctx, trx, project);
    return project;
  });
}

/** The API view of projects as `user` sees them; the webhook secret only where they may manage. */
export async function projectViews(ctx: AppContext, user: User, projects: Project[]): Promise<ProjectView[]> {
  const ownerIds = [...new Set(projects.flatMap((p) => (p.owner_id === null ? [] : [p.owner_id])))];
  const runnerIds = [...new Set(projects.flatMap((p) => (p.runner_id === null ? [] : [p.runner_id])))];
  const [owners, runners, accesses] = await Promise.all([
    ownerIds.length === 0
      ? []
      : ctx.db.selectFrom('users').select(['id', 'login']).where('id', 'in', ownerIds).execute(),
    runnerIds.length === 0
      ? []
      : ctx.db.selectFrom('runners').select(['id', 'name']).where('id', 'in', runnerIds).execute(),
    Promise.all(projects.map((p) => accessTo(ctx.db, user, p))),
  ]);
  const logins = new Map(owners.map((o) => [o.id, o.login]));
  const runnerNames = new Map(runners.map((r) => [r.id, r.name]));
  return projects.map((project, i) => {
    const access = accesses[i];
    if (!access) throw notFound('project');
    return toProjectView(project, {
      access,
      permissions: permissionsFor(access),
      ownerLogin: project.owner_id === null ? null : (logins.get(project.owner_id) ?? null),
      runnerName: project.runner_id === null ? null : (runnerNames.get(project.runner_id) ?? null),
      webhookSecret: allows(access, NEEDS.edit_project)
        ? ctx.secrets.decrypt(project.webhook_secret_encrypted)
        : null,
      publicUrl: ctx.publicUrl,
    });
  });
}

export async function projectView(ctx: AppContext, user: User, project: Project): Promise<ProjectView> {
  const [view] = await projectViews(ctx, user, [project]);
  if (!view) throw notFound('project');
  return view;
}
