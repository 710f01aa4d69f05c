/**
 * Every call the UI makes, one named function each. The answers are typed with the server's own
 * response schemas from `@polytene/protocol` (`import type`: erased at build time, so no typebox code
 * reaches the bundle); pages and the log controller call these and never write a URL themselves.
 */
import type {
  LogSectionList,
  DeploymentFilters as DeploymentFilterFields,
  AcceptInvitationBody,
  EnvironmentCreateBody,
  EnvironmentHoldBody,
  EnvironmentList,
  EnvironmentUpdateBody,
  EnvironmentView,
  FreezeOverrideBody,
  FreezeWindowCreateBody,
  FreezeWindowList,
  FreezeWindowView,
  AddMemberBody,
  AuditPage,
  CreateBranchConfigBody,
  CreateGitlabInstanceBody,
  CreateInvitationBody,
  CreateNotificationHookBody,
  CreateProjectBody,
  CreateRunnerBody,
  CreateTokenBody,
  CreateUserBody,
  ApprovalBody,
  DeployBody,
  GitlabConnectionBody,
  GitlabImportBody,
  LoginBody,
  MemberRoleBody,
  PasswordChangeBody,
  UpdateBranchConfigBody,
  UpdateGitlabInstanceBody,
  UpdateProfileBody,
  UpdateProjectBody,
  GithubConnectionInput,
  UpdateRunnerBody,
  UpdateUserBody,
  CreatedNotificationHook,
  NotificationDeliveryView,
  NotificationDeliveryList,
  NotificationHookList,
  NotificationHookView,
  RotatedNotificationHookSecret,
  UpdateNotificationHookBody,
  BranchConfigList,
  BranchConfigView,
  BuildDeploymentStatus,
  BuildDetail,
  BuildList,
  CiStatus,
  CreatedRunner,
  CreatedToken,
  DashboardView,
  DeploymentEvents,
  DeploymentList,
  DeploymentStats,
  DeploymentView,
  DoraView,
  GitlabConnectionView,
  GitlabImportResult,
  GitlabInstanceList,
  GitlabInstanceView,
  GitlabProjectList,
  GitlabVerifyResult,
  LogSearchView,
  LogView,
  MemberList,
  MemberRole,
  MemberView,
  ProjectList,
  ProjectView,
  RunnerList,
  RunnerTokenView,
  RunnerView,
  SessionView,
  CreatedInvitation,
  InvitationLink,
  InvitationList,
  TokenList,
  UserList,
  UserView,
} from '@polytene/protocol';
import { api, query, type RequestOptions } from './client';

type Signal = AbortSignal | undefined;
const V1 = '/api/v1';

interface Paging {
  page?: number;
  per_page?: number;
}

// Session and the caller's own account

export const getSession = (options?: RequestOptions) => api.get<SessionView>(`${V1}/user`, options);
export const logIn = (login: string, password: string) =>
  api.post<SessionView>(`${V1}/session`, { login, password } satisfies LoginBody, { quiet401: true });
export const logOut = () => api.del(`${V1}/session`);
export const updateProfile = (change: UpdateProfileBody) => api.patch<UserView>(`${V1}/user`, change);
export const changePassword = (current_password: string, new_password: string) =>
  api.post<void>(`${V1}/user/password`, { current_password, new_password } satisfies PasswordChangeBody);
export const listTokens = (signal?: Signal) => api.get<TokenList>(`${V1}/user/tokens`, { signal });
export const createToken = (name: string) =>
  api.post<CreatedToken>(`${V1}/user/tokens`, { name } satisfies CreateTokenBody);
export const revokeToken = (id: number) => api.del(`${V1}/user/tokens/${id}`);

// Users (administrators)

export type UserInput = CreateUserBody;
export const listUsers = (filters: Paging & { q?: string }, signal?: Signal) =>
  api.get<UserList>(`${V1}/users${query({ ...filters })}`, { signal });
export const createUser = (input: UserInput) => api.post<UserView>(`${V1}/users`, input);
export const updateUser = (id: number, change: UpdateUserBody) =>
  api.patch<UserView>(`${V1}/users/${id}`, change);

// Invitations: an admin invites by email; the link lets the person set their login and password

export const listInvitations = (signal?: Signal) => api.get<InvitationList>(`${V1}/invitations`, { signal });
export const createInvitation = (input: CreateInvitationBody) =>
  api.post<CreatedInvitation>(`${V1}/invitations`, input);
export const revokeInvitation = (id: number) => api.del(`${V1}/invitations/${id}`);
const invitationPath = (token: string) => `${V1}/invitations/by-token/${encodeURIComponent(token)}`;
export const getInvitationLink = (token: string, signal?: Signal) =>
  api.get<InvitationLink>(invitationPath(token), { signal, quiet401: true });
export const acceptInvitation = (token: string, input: AcceptInvitationBody) =>
  api.post<SessionView>(`${invitationPath(token)}/accept`, input, { quiet401: true });

// Projects and their members

export type ProjectInput = UpdateProjectBody;
export const listProjects = (filters: Paging & { q?: string }, signal?: Signal) =>
  api.get<ProjectList>(`${V1}/projects${query({ ...filters })}`, { signal });
export const getProject = (id: number, signal?: Signal) =>
  api.get<ProjectView>(`${V1}/projects/${id}`, { signal });
export const createProject = (input: CreateProjectBody) => api.post<ProjectView>(`${V1}/projects`, input);
export const updateProject = (id: number, change: ProjectInput) =>
  api.patch<ProjectView>(`${V1}/projects/${id}`, change);
export const deleteProject = (id: number) => api.del(`${V1}/projects/${id}`);
/** Connect a project to a GitHub repository (a token left out keeps the stored one), or null to remove it. */
export const setGithubConnection = (id: number, github: GithubConnectionInput | null) =>
  api.patch<ProjectView>(`${V1}/projects/${id}`, { github } satisfies UpdateProjectBody);

const members = (projectId: number) => `${V1}/projects/${projectId}/members`;
export const listMembers = (projectId: number, signal?: Signal) =>
  api.get<MemberList>(members(projectId), { signal });
export const addMember = (projectId: number, login: string, role: MemberRole) =>
  api.post<MemberView>(members(projectId), { login, role } satisfies AddMemberBody);
export const setMemberRole = (projectId: number, userId: number, role: MemberRole) =>
  api.patch<MemberView>(`${members(projectId)}/${userId}`, { role } satisfies MemberRoleBody);
export const removeMember = (projectId: number, userId: number) => api.del(`${members(projectId)}/${userId}`);

// Notification hooks (architecture.md §9)

export type HookInput = CreateNotificationHookBody;
const hooks = (projectId: number) => `${V1}/projects/${projectId}/notification-hooks`;
export const listHooks = (projectId: number, signal?: Signal) =>
  api.get<NotificationHookList>(hooks(projectId), { signal });
export const addHook = (projectId: number, input: HookInput) =>
  api.post<CreatedNotificationHook>(hooks(projectId), input);
export const removeHook = (hookId: number) => api.del(`${V1}/notification-hooks/${hookId}`);
export const testHook = (hookId: number) =>
  api.post<NotificationDeliveryView>(`${V1}/notification-hooks/${hookId}/test`, {});
export const updateHook = (hookId: number, input: UpdateNotificationHookBody) =>
  api.patch<NotificationHookView>(`${V1}/notification-hooks/${hookId}`, input);
export const rotateHookSecret = (hookId: number) =>
  api.post<RotatedNotificationHookSecret>(`${V1}/notification-hooks/${hookId}/rotate-secret`, {});
export const listHookDeliveries = (hookId: number, signal?: Signal) =>
  api.get<NotificationDeliveryList>(`${V1}/notification-hooks/${hookId}/deliveries`, { signal });

// Environments

export const listEnvironments = (projectId: number, signal?: Signal) =>
  api.get<EnvironmentList>(`${V1}/projects/${projectId}/environments`, { signal });
export const getEnvironment = (id: number, signal?: Signal) =>
  api.get<EnvironmentView>(`${V1}/environments/${id}`, { signal });
export const createEnvironment = (projectId: number, input: EnvironmentCreateBody) =>
  api.post<EnvironmentView>(`${V1}/projects/${projectId}/environments`, input);
export const updateEnvironment = (id: number, input: EnvironmentUpdateBody) =>
  api.patch<EnvironmentView>(`${V1}/environments/${id}`, input);
export const deleteEnvironment = (id: number) => api.del(`${V1}/environments/${id}`);
export const holdEnvironment = (id: number, input: EnvironmentHoldBody) =>
  api.post<EnvironmentView>(`${V1}/environments/${id}/hold`, input);
export const resumeEnvironment = (id: number) =>
  api.post<EnvironmentView>(`${V1}/environments/${id}/resume`, {});
export const listFreezeWindows = (environmentId: number, signal?: Signal) =>
  api.get<FreezeWindowList>(`${V1}/environments/${environmentId}/freeze-windows`, { signal });
export const createFreezeWindow = (environmentId: number, input: FreezeWindowCreateBody) =>
  api.post<FreezeWindowView>(`${V1}/environments/${environmentId}/freeze-windows`, input);
export const deleteFreezeWindow = (id: number) => api.del(`${V1}/freeze-windows/${id}`);
/** An admin lets a deployment waiting in a freeze start, saying why. */
export const overrideFreeze = (deploymentId: number, reason: string) =>
  api.post<DeploymentView>(`${V1}/deployments/${deploymentId}/freeze-override`, {
    reason,
  } satisfies FreezeOverrideBody);

// Branch configs

/** A secret variable sent without a value keeps the stored one. */
export type BranchInput = CreateBranchConfigBody;
const branches = (projectId: number) => `${V1}/projects/${projectId}/branches`;
export const listBranches = (projectId: number, signal?: Signal) =>
  api.get<BranchConfigList>(branches(projectId), { signal });
export const getBranch = (projectId: number, branchId: number, signal?: Signal) =>
  api.get<BranchConfigView>(`${branches(projectId)}/${branchId}`, { signal });
export const createBranch = (projectId: number, input: BranchInput) =>
  api.post<BranchConfigView>(branches(projectId), input);
export const updateBranch = (projectId: number, branchId: number, input: UpdateBranchConfigBody) =>
  api.patch<BranchConfigView>(`${branches(projectId)}/${branchId}`, input);
export const deleteBranch = (projectId: number, branchId: number) =>
  api.del(`${branches(projectId)}/${branchId}`);

// Builds and deployments

export interface BuildFilters extends Paging {
  branch?: string;
  status?: CiStatus;
  deployment_status?: BuildDeploymentStatus;
}
export const listBuilds = (projectId: number, filters: BuildFilters, signal?: Signal) =>
  api.get<BuildList>(`${V1}/projects/${projectId}/builds${query({ ...filters })}`, { signal });
export const getBuild = (id: number, signal?: Signal) =>
  api.get<BuildDetail>(`${V1}/builds/${id}`, { signal });
/** Queues a deployment of the build; without an environment, its branch config's. */
export const deploy = (buildId: number, environment?: string) =>
  api.post<DeploymentView>(`${V1}/builds/${buildId}/deployments`, { environment } satisfies DeployBody);

export type DeploymentFilters = Paging & DeploymentFilterFields;
export const listDeployments = (filters: DeploymentFilters, signal?: Signal) =>
  api.get<DeploymentList>(`${V1}/deployments${query({ ...filters })}`, { signal });
export const getDeployment = (id: number, signal?: Signal) =>
  api.get<DeploymentView>(`${V1}/deployments/${id}`, { signal });
export const cancelDeployment = (id: number) => api.post<DeploymentView>(`${V1}/deployments/${id}/cancel`);
/** Approves or rejects a deployment awaiting approval; answers it as it is now. */
export const decideDeployment = (id: number, body: ApprovalBody) =>
  api.post<DeploymentView>(`${V1}/deployments/${id}/approvals`, body);

/** Up to `limit` log lines after line `after`. */
export const getLogPage = (id: number, after: number, limit: number, signal?: Signal) =>
  api.get<LogView>(`${V1}/deployments/${id}/log${query({ after, limit })}`, { signal });
/** Up to `limit` lines after line `after` whose text contains `q` (plain text, any case), found by the server. */
export const searchLog = (id: number, q: string, after: number, limit: number, signal?: Signal) =>
  api.get<LogSearchView>(`${V1}/deployments/${id}/log/search${query({ q, after, limit })}`, { signal });
/** The collapsible sections of the log, by start line. */
export const getLogSections = (id: number, signal?: Signal) =>
  api.get<LogSectionList>(`${V1}/deployments/${id}/sections`, { signal });
/** The whole log as a text file, for a download link. */
export const logTextUrl = (id: number) => `${V1}/deployments/${id}/log.txt`;

export type DeploymentEventHandlers = { [E in keyof DeploymentEvents]: (data: DeploymentEvents[E]) => void };

/** Live events of a deployment from line `after` on; close the returned source to stop. */
export function openDeploymentEvents(id: number, after: number, on: DeploymentEventHandlers): EventSource {
  const source = new EventSource(`${V1}/deployments/${id}/events${query({ after })}`);
  for (const name of Object.keys(on) as (keyof DeploymentEvents)[]) {
    const handler = on[name] as (data: unknown) => void;
    source.addEventListener(name, (event) => handler(JSON.parse((event as MessageEvent<string>).data)));
  }
  return source;
}

/** The one stream of list events (builds, deployments, environments, runners the caller may see). */
export const openListEvents = () => new EventSource(`${V1}/events`);

// Runners

export const listRunners = (signal?: Signal) => api.get<RunnerList>(`${V1}/runners`, { signal });
export const createRunner = (input: CreateRunnerBody) => api.post<CreatedRunner>(`${V1}/runners`, input);
export const updateRunner = (id: number, change: UpdateRunnerBody) =>
  api.patch<RunnerView>(`${V1}/runners/${id}`, change);
export const deleteRunner = (id: number) => api.del(`${V1}/runners/${id}`);
export const regenerateRunnerToken = (id: number) => api.post<RunnerTokenView>(`${V1}/runners/${id}/token`);

// The audit log, the dashboard and statistics

export interface AuditFilters {
  actor_id?: string;
  project_id?: string;
  action?: string;
  entity_type?: string;
  before_id?: string;
  limit?: number;
}
export const listAudit = (filters: AuditFilters, signal?: Signal) =>
  api.get<AuditPage>(`${V1}/audit${query({ ...filters })}`, { signal });
/** The filtered audit log as a download (every page), for a link the browser follows with its session. */
export const auditExportUrl = (filters: Omit<AuditFilters, 'before_id' | 'limit'>, format: 'csv' | 'json') =>
  `${V1}/audit/export${query({ ...filters, format })}`;
export const getDashboard = (signal?: Signal) => api.get<DashboardView>(`${V1}/dashboard`, { signal });
/** The caller's own deployments per day. */
export const getDeploymentStats = (days: number, signal?: Signal) =>
  api.get<DeploymentStats>(`${V1}/stats/deployments${query({ days })}`, { signal });
/** Public projects' deployments per day, for the front page (no session needed). */
export const getDora = (projectId: number, days: number, signal?: Signal) =>
  api.get<DoraView>(`${V1}/projects/${projectId}/dora${query({ days })}`, { signal });

export const getPublicDeploymentStats = (days: number, signal?: Signal) =>
  api.get<DeploymentStats>(`${V1}/public/stats/deployments${query({ days })}`, { signal, quiet401: true });

// GitLab

export const listGitlabInstances = (signal?: Signal) =>
  api.get<GitlabInstanceList>(`${V1}/gitlab/instances`, { signal });
export const createGitlabInstance = (input: CreateGitlabInstanceBody) =>
  api.post<GitlabInstanceView>(`${V1}/gitlab/instances`, input);
export const updateGitlabInstance = (id: number, change: UpdateGitlabInstanceBody) =>
  api.patch<GitlabInstanceView>(`${V1}/gitlab/instances/${id}`, change);
export const deleteGitlabInstance = (id: number) => api.del(`${V1}/gitlab/instances/${id}`);
export const getGitlabConnection = (signal?: Signal) =>
  api.get<GitlabConnectionView>(`${V1}/user/gitlab`, { signal });
export const saveGitlabConnection = (instanceId: number, token: string) =>
  api.put<GitlabConnectionView>(`${V1}/user/gitlab`, {
    instance_id: instanceId,
    token,
  } satisfies GitlabConnectionBody);
export const verifyGitlabConnection = () => api.post<GitlabVerifyResult>(`${V1}/user/gitlab/verify`);
export const listGitlabProjects = (search: string, signal?: Signal) =>
  api.get<GitlabProjectList>(`${V1}/gitlab/projects${query({ search })}`, { signal });
export const importGitlabProjects = (projectIds: number[]) =>
  api.post<GitlabImportResult>(`${V1}/gitlab/import`, { project_ids: projectIds } satisfies GitlabImportBody);
