import type { Forge } from '../forges/seam.js';
import { queueDeployKeysForRunner } from './deploy-keys.js';
import { queueDeploymentReport } from './report.js';
import { gitlabRoutes } from './routes.js';
import { gitlabTasks } from './task-list.js';
import { queueDeployKeyRegistration, queueGitlabCleanup, queueHookSync } from './tasks.js';

/**
 * GitLab behind the forge seam (forges/forge.ts, where it is registered for projects of source gitlab).
 * Each call queues a job on the project's GitLab queue; the jobs (task-list.ts) talk to GitLab.
 */
export const gitlabForge: Forge = {
  name: 'GitLab',
  registerDeployKeys: (ctx, trx, project) => queueDeployKeyRegistration(ctx, trx, project.id),
  updateWebhook: (ctx, trx, project) => queueHookSync(ctx, trx, project.id),
  removeWebhook: (ctx, trx, project) => queueGitlabCleanup(ctx, trx, project),
  runnerChanged: (ctx, runnerId, allProjects) => queueDeployKeysForRunner(ctx, runnerId, allProjects),
  reportDeployment: (ctx, project, change) => queueDeploymentReport(ctx, project, change),
  tasks: gitlabTasks,
  routes: gitlabRoutes,
};
