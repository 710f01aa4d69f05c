import { ProjectView } from '@polytene/protocol';
import type { Project } from '../db/schema.js';
import type { ProjectAccess, ProjectPermissions } from './access.js';

export { ProjectView };

export interface ProjectViewExtras {
  access: ProjectAccess;
  permissions: ProjectPermissions;
  ownerLogin: string | null;
  runnerName: string | null;
  /** The decrypted webhook secret, given only when the caller may manage the project. */
  webhookSecret: string | null;
  publicUrl: string;
}

export function webhookUrls(publicUrl: string, projectId: number, secret: string) {
  return {
    gitlab: `${publicUrl}/api/v1/projects/${projectId}/hooks/gitlab`,
    legacy: `${publicUrl}/api/v1/builds/${encodeURIComponent(secret)}/create`,
    github: `${publicUrl}/api/v1/projects/${projectId}/hooks/github`,
  };
}

export function toProjectView(project: Project, extras: ProjectViewExtras): ProjectView {
  const view: ProjectView = {
    id: project.id,
    name: project.name,
    source: project.source,
    clone_url: project.clone_url,
    http_url: project.http_url,
    web_url: project.web_url,
    default_branch: project.default_branch,
    public: project.public,
    owner:
      project.owner_id !== null && extras.ownerLogin !== null
        ? { id: project.owner_id, login: extras.ownerLogin }
        : null,
    runner:
      project.runner_id !== null && extras.runnerName !== null
        ? { id: project.runner_id, name: extras.runnerName }
        : null,
    deploy_key_state: project.deploy_key_state,
    deploy_key_error: project.deploy_key_error,
    gitlab_url: project.gitlab_url,
    gitlab_project_id: project.gitlab_project_id,
    gitlab_report: project.gitlab_report,
    github:
      project.github_repository !== null && project.github_api_url !== null
        ? {
            repository: project.github_repository,
            api_url: project.github_api_url,
            token_set: project.github_token_encrypted !== null,
          }
        : null,
    access: extras.access,
    permissions: extras.permissions,
    created_at: project.created_at.toISOString(),
    updated_at: project.updated_at.toISOString(),
  };
  if (extras.webhookSecret !== null) {
    view.webhook_secret = extras.webhookSecret;
    view.webhook_urls = webhookUrls(extras.publicUrl, project.id, extras.webhookSecret);
  }
  return view;
}
