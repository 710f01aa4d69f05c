/** Shapes of the JSON API (architecture.md §3) as the UI reads them. */
export type Role = 'admin' | 'member';
export type Locale = 'en' | 'pl';

export interface User {
  id: number;
  login: string;
  email: string;
  name: string;
  role: Role;
  locale: Locale;
  disabled: boolean;
  must_change_password: boolean;
  created_at: string;
}

export interface SessionInfo {
  user: User;
  must_change_password: boolean;
  csrf_token: string;
}

export type DeploymentStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'skipped';
export type BuildDeploymentStatus = DeploymentStatus | 'not_deployed';
export type FailureReason = 'script_failure' | 'timeout' | 'runner_lost' | 'runner_error';
export type CiStatus =
  'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped' | 'manual';

export const FINAL_STATUSES: readonly DeploymentStatus[] = ['succeeded', 'failed', 'canceled', 'skipped'];

export interface Ref {
  id: number;
  name: string;
}

export interface Deployment {
  id: number;
  build: { id: number; ref: string; sha: string; external_id: string | null };
  project: Ref;
  environment: string;
  status: DeploymentStatus;
  cancel_requested: boolean;
  failure_reason: FailureReason | null;
  exit_code: number | null;
  message: string | null;
  trigger: 'auto' | 'user';
  triggered_by: { id: number; login: string } | null;
  runner: Ref | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  last_log_n: number;
}

export interface Build {
  id: number;
  project_id: number;
  branch_config_id: number | null;
  source: string;
  external_id: string | null;
  status: CiStatus;
  ref: string;
  is_tag: boolean;
  sha: string;
  before_sha: string | null;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
  updated_at: string;
  deployment_status: BuildDeploymentStatus;
}

export interface BuildDetail extends Build {
  payload: unknown;
  deployments: Deployment[];
}

export interface Runner {
  id: number;
  name: string;
  owner: { id: number; login: string } | null;
  active: boolean;
  shared: boolean;
  public_key: string | null;
  public_key_fingerprint: string | null;
  version: string | null;
  hostname: string | null;
  concurrency: number;
  last_seen_at: string | null;
  online: boolean;
  projects: Ref[];
  created_at: string;
}

export interface Project {
  id: number;
  name: string;
  source: 'manual' | 'gitlab';
  clone_url: string;
  http_url?: string | null;
  web_url?: string | null;
  default_branch: string;
  public: boolean;
  owner?: { id: number; login: string } | null;
  runner?: Ref | null;
  runner_id?: number | null;
  deploy_key_state?: 'pending' | 'registered' | 'failed' | null;
  deploy_key_error?: string | null;
  gitlab_url?: string | null;
  gitlab_project_id?: number | null;
  access?: 'view' | 'deploy' | 'manage';
  permissions?: ProjectPermissions;
  webhook_secret?: string;
  webhook_urls?: { gitlab: string; legacy: string; generic?: string };
  created_at?: string;
}

/** What the caller may do on a project, as the server reports it (the rules it enforces). */
export interface ProjectPermissions {
  deploy: boolean;
  edit_branches: boolean;
  edit_variables: boolean;
  edit_project: boolean;
  delete_project: boolean;
  manage_members: boolean;
}

/** No permission: what the UI assumes until the server has said otherwise. */
export const NO_PERMISSIONS: ProjectPermissions = {
  deploy: false,
  edit_branches: false,
  edit_variables: false,
  edit_project: false,
  delete_project: false,
  manage_members: false,
};

export function permissionsOf(project: Project | null | undefined): ProjectPermissions {
  return project?.permissions ?? NO_PERMISSIONS;
}

export type MemberRole = 'viewer' | 'deployer' | 'maintainer';
export const MEMBER_ROLES: readonly MemberRole[] = ['viewer', 'deployer', 'maintainer'];

export interface ProjectMember {
  user: { id: number; login: string; name: string };
  role: MemberRole;
  created_at: string;
}

/** Reads a list out of `{<name>: [...]}`, `{items: [...]}` or a bare array, with paging when given. */
export function listOf<T>(
  raw: unknown,
  name: string,
): { items: T[]; total: number; page: number; per_page: number } {
  const obj = (raw ?? {}) as Record<string, unknown>;
  const items = (Array.isArray(raw) ? raw : (obj[name] ?? obj.items ?? obj.data ?? [])) as T[];
  return {
    items,
    total: typeof obj.total === 'number' ? obj.total : items.length,
    page: typeof obj.page === 'number' ? obj.page : 1,
    per_page: typeof obj.per_page === 'number' ? obj.per_page : Math.max(items.length, 1),
  };
}

export interface Variable {
  key: string;
  value?: string | null;
  secret: boolean;
}

export interface BranchConfig {
  id: number;
  project_id?: number;
  branch_name: string;
  deployment_type: 'manual' | 'auto';
  deployment_script: string;
  environment: string;
  artifacts_dir: string;
  notification_emails: string[];
  failed_build_can_be_auto_deployed: boolean;
  timeout_seconds: number;
  variables: Variable[];
}

export interface LogPage {
  lines: { n: number; stream: 'stdout' | 'stderr' | 'system'; t: string; text: string }[];
  last_n?: number;
}

export interface DayStat {
  day: string;
  succeeded: number;
  failed: number;
}

export interface AuditEvent {
  id: number;
  actor: { id: number | null; login: string | null } | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  project_id: number | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  created_at: string;
}

export interface ApiToken {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

/** A GitLab an administrator configured (GET /api/v1/gitlab/instances). */
export interface GitlabInstance {
  id: number;
  name: string;
  url: string;
}
