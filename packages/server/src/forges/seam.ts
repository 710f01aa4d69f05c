import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { Project } from '../db/schema.js';
import type { DeploymentChange } from '../deployments/changes.js';
import type { App } from '../http/types.js';
import type { Task } from '../jobs/queue.js';

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
