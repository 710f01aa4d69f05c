/** Projects and their members as the API shows them. */
import { Type, type Static } from 'typebox';
import { FORGE_SYNC_STATES, MEMBER_ROLES, PROJECT_SOURCES } from '../enums.js';
import { DateTime, ListOf, NamedRef, Nullable, PageOf, UserRef } from './common.js';

/** What the caller may do on a project, by the same rules the server enforces. */
export const ProjectPermissions = Type.Object(
  {
    deploy: Type.Boolean({ description: 'deploy, redeploy, roll back and abort deployments' }),
    edit_branches: Type.Boolean({ description: 'create, change and delete branch configs' }),
    edit_environments: Type.Boolean({ description: 'create, change and delete environments' }),
    edit_variables: Type.Boolean({ description: "change a branch config's variables" }),
    edit_project: Type.Boolean({ description: 'change settings, regenerate the webhook secret' }),
    delete_project: Type.Boolean(),
    manage_members: Type.Boolean({ description: 'list, add, change and remove members' }),
  },
  { description: 'what the caller may do here, by the same rules the server enforces' },
);
export type ProjectPermissions = Static<typeof ProjectPermissions>;

/** `owner/name` of a GitHub repository, as in its URL. */
export const GITHUB_REPOSITORY_PATTERN = '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$';

export const GithubConnectionView = Type.Object({
  repository: Type.String(),
  api_url: Type.String(),
  token_set: Type.Boolean({ description: 'whether deployments are reported as commit statuses' }),
});
export type GithubConnectionView = Static<typeof GithubConnectionView>;

/** The last commit status report of a GitHub project's deployments. */
export const GithubReportView = Type.Object({
  last_report: Nullable(
    Type.Object({
      deployment_id: Type.Integer(),
      state: Nullable(Type.String()),
      error: Nullable(Type.String()),
      updated_at: DateTime,
    }),
  ),
});
export type GithubReportView = Static<typeof GithubReportView>;

export const ProjectView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  source: Type.Enum(PROJECT_SOURCES),
  clone_url: Type.String(),
  http_url: Nullable(Type.String()),
  web_url: Nullable(Type.String()),
  default_branch: Type.String(),
  public: Type.Boolean(),
  owner: Nullable(UserRef),
  runner: Nullable(NamedRef),
  deploy_key_state: Nullable(Type.Enum(FORGE_SYNC_STATES)),
  deploy_key_error: Nullable(Type.String()),
  gitlab_url: Nullable(Type.String()),
  gitlab_project_id: Nullable(Type.Integer()),
  gitlab_report: Type.Boolean(),
  github: Nullable(GithubConnectionView),
  access: Type.Union([Type.Literal('view'), Type.Literal('deploy'), Type.Literal('manage')], {
    description: "the caller's right on this project",
  }),
  permissions: ProjectPermissions,
  webhook_secret: Type.Optional(Type.String({ description: 'only for callers who may manage the project' })),
  webhook_urls: Type.Optional(
    Type.Object({ gitlab: Type.String(), legacy: Type.String(), github: Type.String() }),
  ),
  created_at: DateTime,
  updated_at: DateTime,
});
export type ProjectView = Static<typeof ProjectView>;

export const ProjectList = PageOf('projects', ProjectView);
export type ProjectList = Static<typeof ProjectList>;

export const MemberRoleSchema = Type.Enum(MEMBER_ROLES, {
  description:
    'viewer: sees the project; deployer: also deploys; maintainer: also changes it and its members',
});

export const MemberView = Type.Object({
  user: Type.Object({ id: Type.Integer(), login: Type.String(), name: Type.String() }),
  role: MemberRoleSchema,
  created_at: DateTime,
});
export type MemberView = Static<typeof MemberView>;

export const MemberList = ListOf('members', MemberView);
export type MemberList = Static<typeof MemberList>;
