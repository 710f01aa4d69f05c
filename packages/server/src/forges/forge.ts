import type { ProjectSource } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Project } from '../db/schema.js';
import type { DeploymentChange } from '../deployments/changes.js';
import type { App } from '../http/types.js';
import type { Task } from '../jobs/queue.js';
import { gitlabForge } from '../gitlab/forge.js';
import { githubForge } from '../github/forge.js';

/**
 * What Polytene asks of a code host (architecture.md §8), derived from what projects/, runners/ and the
 * deployment follow-ups need. Every call that reaches the host is durable: the methods given a transaction
 * queue a retried job in it (so the host is asked exactly when the change commits, and an outage never
 * fails the change); the others run inside a job already. A forge keeps its own state (hook ids, key ids,
 * report progress) and its own errors in plain words.
 */
export interface Forge {
  /** Shown to people, e.g. "GitLab". */
  readonly name: string;
  /** `project`'s runners changed: make the keys of the runners that clone it its deploy keys. */
  registerDeployKeys(ctx: AppContext, trx: Db, project: Project): Promise<void>;
  /** `project`'s webhook secret changed: the webhook must carry the new one (and the current URL). */
  updateWebhook(ctx: AppContext, trx: Db, project: Project): Promise<void>;
  /** `project` is being deleted in `trx`: remove its webhook afterwards (the job carries what it needs). */
  removeWebhook(ctx: AppContext, trx: Db, project: Project): Promise<void>;
  /**
   * In a job: a runner's key changed, or it was paused, resumed, shared or unshared. Register the deploy
   * keys again of the projects it serves (of every project of this forge with `allProjects`).
   */
  runnerChanged(ctx: AppContext, runnerId: number, allProjects: boolean): Promise<void>;
  /** In a job: a deployment of `project` changed status; report it (deployment and commit status). */
  reportDeployment(ctx: AppContext, project: Project, change: DeploymentChange): Promise<void>;
  /** The background tasks behind the methods above, by name (registered by jobs/tasks.ts). */
  tasks(ctx: AppContext): Record<string, Task>;
  /** The forge's own API (connection, listing and import, its state per project), registered by app.ts. */
  routes(app: App): Promise<void>;
}

/** The one place forges are registered: by project source; a project created by hand has none. */
const FORGES: Record<ProjectSource, Forge | null> = {
  manual: null,
  gitlab: gitlabForge,
  github: githubForge,
};

/** The forge of a project (or of a project source), or null when it has none. */
export function forgeFor(of: ProjectSource | Pick<Project, 'source'>): Forge | null {
  return FORGES[typeof of === 'string' ? of : of.source] ?? null;
}

/** Every registered forge, once each. */
export function allForges(): Forge[] {
  return [...new Set(Object.values(FORGES).filter((f): f is Forge => f !== null))];
}

/** For tests: puts `forge` behind `source` until the returned function restores the registered one. */
export function replaceForge(source: ProjectSource, forge: Forge | null): () => void {
  const before = FORGES[source];
  FORGES[source] = forge;
  return () => {
    FORGES[source] = before;
  };
}
