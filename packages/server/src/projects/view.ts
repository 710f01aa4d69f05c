import { Type, type Static } from 'typebox';
import { FORGE_SYNC_STATES, PROJECT_SOURCES } from '@polytene/protocol';
import type { Project } from '../db/schema.js';
import type { ProjectAccess, ProjectPermissions } from './access.js';
import { DateTime } from '../http/schemas.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const ProjectView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  source: Type.Enum(PROJECT_SOURCES),
  clone_url: Type.String(),
  http_url: Nullable(Type.String()),
  web_url: Nullable(Type.String()),
  default_branch: Type.String(),
  public: Type.Boolean(),
  owner: Nullable(Type.Object({ id: Type.Integer(), login: Type.String() })),
  runner: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
  deploy_key_state: Nullable(Type.Enum(FORGE_SYNC_STATES)),
  deploy_key_error: Nullable(Type.String()),
  gitlab_url: Nullable(Type.String()),
  gitlab_project_id: Nullable(Type.Integer()),
  gitlab_report: Type.Boolean(),
  access: Type.Union([Type.Literal('view'), Type.Literal('deploy'), Type.Literal('manage')], {
    description: "the caller's right on this project",
  }),
  permissions: Type.Object(
    {
      deploy: Type.Boolean({ description: 'deploy, redeploy, roll back and abort deployments' }),
      edit_branches: Type.Boolean({ description: 'create, change and delete branch configs' }),
      edit_variables: Type.Boolean({ description: "change a branch config's variables" }),
      edit_project: Type.Boolean({ description: 'change settings, regenerate the webhook secret' }),
      delete_project: Type.Boolean(),
      manage_members: Type.Boolean({ description: 'list, add, change and remove members' }),
    },
    { description: 'what the caller may do here, by the same rules the server enforces' },
  ),
  webhook_secret: Type.Optional(Type.String({ description: 'only for callers who may manage the project' })),
  webhook_urls: Type.Optional(Type.Object({ gitlab: Type.String(), legacy: Type.String() })),
  created_at: DateTime,
  updated_at: DateTime,
});
export type ProjectView = Static<typeof ProjectView>;

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
