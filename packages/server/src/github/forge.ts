import type { Forge } from '../forges/seam.js';
import { githubRoutes } from './routes.js';
import { REPORT_STATUS_TASK, queueStatusReport, reportStatus } from './report.js';

/**
 * GitHub behind the forge seam (forges/forge.ts, registered for projects of source github). The webhook
 * is added by a person in the repository's settings (its URL and secret are on the project page) and
 * runners clone with keys the repository owner adds, so only the deployment report reaches GitHub.
 */
export const githubForge: Forge = {
  name: 'GitHub',
  registerDeployKeys: async () => {},
  updateWebhook: async () => {},
  removeWebhook: async () => {},
  runnerChanged: async () => {},
  reportDeployment: (ctx, project, change) => queueStatusReport(ctx, project, change),
  tasks: (ctx) => ({
    [REPORT_STATUS_TASK]: async (payload) => {
      await reportStatus(ctx, (payload as { deployment_id: number }).deployment_id);
    },
  }),
  routes: githubRoutes,
};
