import type { Db } from '../db/database.js';
import type { Project } from '../db/schema.js';

/** Where a project stands with GitLab: its webhook, deploy keys per runner and the last report error. */
export async function gitlabStatusOf(db: Db, project: Project) {
  const [keys, report] = await Promise.all([
    db
      .selectFrom('gitlab_deploy_keys')
      .select(['runner_id', 'fingerprint', 'gitlab_key_id', 'state', 'error'])
      .where('project_id', '=', project.id)
      .orderBy('runner_id')
      .execute(),
    db
      .selectFrom('gitlab_deployment_reports')
      .innerJoin('deployments', 'deployments.id', 'gitlab_deployment_reports.deployment_id')
      .select('gitlab_deployment_reports.error')
      .where('deployments.project_id', '=', project.id)
      .orderBy('gitlab_deployment_reports.updated_at', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  return {
    project_id: project.id,
    gitlab_url: project.gitlab_url,
    gitlab_project_id: project.gitlab_project_id,
    web_url: project.web_url,
    hook_id: project.gitlab_hook_id,
    hook_state: project.gitlab_hook_state,
    hook_error: project.gitlab_hook_error,
    report: project.gitlab_report,
    deploy_key_state: project.deploy_key_state,
    deploy_key_error: project.deploy_key_error,
    deploy_keys: keys,
    last_report_error: report?.error ?? null,
  };
}
