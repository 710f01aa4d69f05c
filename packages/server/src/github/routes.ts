import { GithubReportView } from '@polytene/protocol';
import type { App } from '../http/types.js';
import { requireUser } from '../auth/guard.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { loadProject } from '../projects/access.js';

/** The GitHub forge's own API: how its commit status reports stand (the connection is a project field). */
export async function githubRoutes(app: App): Promise<void> {
  const { ctx } = app;
  app.get(
    '/api/v1/projects/:id/github/report',
    {
      schema: {
        tags: ['github'],
        params: IdParam,
        response: { 200: GithubReportView, 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request): Promise<GithubReportView> => {
      const project = await loadProject(ctx.db, requireUser(request), request.params.id, 'view');
      const row = await ctx.db
        .selectFrom('github_status_reports')
        .innerJoin('deployments', 'deployments.id', 'github_status_reports.deployment_id')
        .select([
          'github_status_reports.deployment_id',
          'github_status_reports.state',
          'github_status_reports.error',
          'github_status_reports.updated_at',
        ])
        .where('deployments.project_id', '=', project.id)
        .orderBy('github_status_reports.updated_at', 'desc')
        .orderBy('github_status_reports.deployment_id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return {
        last_report: row ? { ...row, updated_at: row.updated_at.toISOString() } : null,
      };
    },
  );
}
