/** GitLab instances, a user's connection, GitLab's project list and a project's integration state. */
import { Type, type Static } from 'typebox';
import { FORGE_SYNC_STATES } from '../enums.js';
import { ListOf, Nullable } from './common.js';

export const GitlabInstanceView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  url: Type.String({ description: 'base URL of the GitLab instance, e.g. https://gitlab.example.com' }),
});
export type GitlabInstanceView = Static<typeof GitlabInstanceView>;

export const GitlabInstanceList = ListOf('instances', GitlabInstanceView);
export type GitlabInstanceList = Static<typeof GitlabInstanceList>;

/** The caller's GitLab connection: their token for one instance. */
export const GitlabConnectionView = Type.Object({
  connected: Type.Boolean(),
  instance: Nullable(GitlabInstanceView),
  gitlab_url: Nullable(Type.String({ description: "the instance's URL" })),
  verified_username: Nullable(Type.String()),
  last_error: Nullable(Type.String()),
  updated_at: Nullable(Type.String({ format: 'date-time' })),
});
export type GitlabConnectionView = Static<typeof GitlabConnectionView>;

export const GitlabVerifyResult = Type.Object({
  ok: Type.Boolean(),
  user: Type.Optional(Type.Object({ id: Type.Integer(), username: Type.String(), name: Type.String() })),
  scopes: Type.Optional(Nullable(Type.Array(Type.String()))),
  error: Type.Optional(Type.Object({ kind: Type.String(), message: Type.String() })),
});
export type GitlabVerifyResult = Static<typeof GitlabVerifyResult>;

/** A project in the caller's GitLab, and the Polytene project imported from it, if any. */
export const GitlabListedProject = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  path_with_namespace: Type.String(),
  default_branch: Nullable(Type.String()),
  web_url: Type.String(),
  ssh_url_to_repo: Type.String(),
  http_url_to_repo: Type.String(),
  description: Nullable(Type.String()),
  last_activity_at: Nullable(Type.String()),
  imported_as: Nullable(Type.Integer()),
});
export type GitlabListedProject = Static<typeof GitlabListedProject>;

/** GitLab's own paging, passed on. */
export const GitlabPageInfo = Type.Object({
  page: Type.Integer(),
  per_page: Type.Integer(),
  next_page: Nullable(Type.Integer()),
  prev_page: Nullable(Type.Integer()),
  total: Nullable(Type.Integer()),
  total_pages: Nullable(Type.Integer()),
});

export const GitlabProjectList = Type.Object({
  projects: Type.Array(GitlabListedProject),
  page_info: GitlabPageInfo,
});
export type GitlabProjectList = Static<typeof GitlabProjectList>;

/** A project's GitLab integration: webhook, deploy keys and status reporting. */
export const GitlabStatus = Type.Object({
  project_id: Type.Integer(),
  gitlab_url: Nullable(Type.String()),
  gitlab_project_id: Nullable(Type.Integer()),
  web_url: Nullable(Type.String()),
  hook_id: Nullable(Type.Integer()),
  hook_state: Nullable(
    Type.Enum(FORGE_SYNC_STATES, {
      description: 'pending while a job registers the webhook or updates its token; failed: see hook_error',
    }),
  ),
  hook_error: Nullable(Type.String()),
  report: Type.Boolean(),
  deploy_key_state: Nullable(Type.String()),
  deploy_key_error: Nullable(Type.String()),
  deploy_keys: Type.Array(
    Type.Object({
      runner_id: Type.Integer(),
      fingerprint: Type.String(),
      gitlab_key_id: Nullable(Type.Integer()),
      state: Type.String(),
      error: Nullable(Type.String()),
    }),
  ),
  last_report_error: Nullable(Type.String()),
});
export type GitlabStatus = Static<typeof GitlabStatus>;

export const GitlabImportResult = Type.Object({ projects: Type.Array(GitlabStatus) });
export type GitlabImportResult = Static<typeof GitlabImportResult>;
