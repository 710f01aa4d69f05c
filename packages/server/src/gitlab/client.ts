import {
  Commits,
  DeployKeys,
  Deployments,
  PersonalAccessTokens,
  ProjectHooks,
  Projects,
  Users,
} from '@gitbeaker/rest';
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { GitlabError, classifyGitlabFailure } from './errors.js';

/** How long one GitLab call may take: well below GitLab-facing deadlines, long enough for a slow instance. */
const CALL_TIMEOUT_MS = 8_000;

const GitlabUser = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  name: Type.String(),
  email: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type GitlabUser = Static<typeof GitlabUser>;

const GitlabProject = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  path_with_namespace: Type.String(),
  default_branch: Type.Union([Type.String(), Type.Null()]),
  ssh_url_to_repo: Type.String(),
  http_url_to_repo: Type.String(),
  web_url: Type.String(),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  last_activity_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type GitlabProject = Static<typeof GitlabProject>;

const WithId = Type.Object({ id: Type.Integer() });
const TokenInfo = Type.Object({ scopes: Type.Array(Type.String()) });
const DeployKey = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  key: Type.String(),
  fingerprint_sha256: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  can_push: Type.Optional(Type.Boolean()),
});
export type GitlabDeployKey = Static<typeof DeployKey>;

export interface PageInfo {
  page: number;
  per_page: number;
  next_page: number | null;
  prev_page: number | null;
  /** GitLab leaves these out above 10,000 results. */
  total: number | null;
  total_pages: number | null;
}

export type DeploymentStatus = 'running' | 'success' | 'failed' | 'canceled';
export type CommitState = 'pending' | 'running' | 'success' | 'failed' | 'canceled';

/** Why `url` cannot be a GitLab base URL, or null. */
export function gitlabUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an http:// or https:// URL such as https://gitlab.example.com';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return 'must start with http:// or https://';
  if (parsed.username || parsed.password) return 'must not contain a user name or password';
  if (parsed.search || parsed.hash) return 'must not contain a query or fragment';
  return null;
}

/** The base URL as stored: no trailing slash, no `/api/v4` a person may have pasted. */
export function normalizeGitlabUrl(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/api\/v4$/, '');
}

/**
 * GitLab's REST API v4 through @gitbeaker/rest, for one base URL and token. Every answer is checked
 * against the fields Polytene relies on, and every failure becomes a GitlabError naming its cause.
 */
/** Polytene's webhook settings: pipeline and job events only, SSL verification on. */
function hookOptions(token: string) {
  return {
    token,
    pushEvents: false,
    tagPushEvents: false,
    mergeRequestsEvents: false,
    pipelineEvents: true,
    jobEvents: true,
    enableSslVerification: true,
  };
}

export class GitlabClient {
  private readonly options: { host: string; token: string; queryTimeout: number };

  constructor(
    readonly baseUrl: string,
    token: string,
  ) {
    const problem = gitlabUrlProblem(baseUrl);
    if (problem) throw new GitlabError('bad_url', `the GitLab URL ${problem}`);
    this.options = { host: normalizeGitlabUrl(baseUrl), token, queryTimeout: CALL_TIMEOUT_MS };
  }

  async currentUser(): Promise<GitlabUser> {
    return this.call('GET /user', GitlabUser, () => new Users(this.options).showCurrentUser());
  }

  /** The scopes of the token when it is a personal/project access token; null when GitLab cannot tell. */
  async tokenScopes(): Promise<string[] | null> {
    try {
      const info = await this.call('GET /personal_access_tokens/self', TokenInfo, () =>
        new PersonalAccessTokens(this.options).show(),
      );
      return info.scopes;
    } catch (error) {
      if (error instanceof GitlabError && (error.kind === 'not_found' || error.kind === 'forbidden'))
        return null;
      throw error;
    }
  }

  /** One page of the projects the token's user is a member of, newest activity first. */
  async listProjects(query: {
    search?: string;
    page: number;
    perPage: number;
  }): Promise<{ projects: GitlabProject[]; pageInfo: PageInfo }> {
    const what = 'GET /projects';
    const answer = await this.call(
      what,
      Type.Object({ data: Type.Array(Type.Unknown()), paginationInfo: Type.Unknown() }),
      () =>
        new Projects(this.options).all({
          membership: true,
          simple: true,
          orderBy: 'last_activity_at',
          ...(query.search ? { search: query.search } : {}),
          page: query.page,
          perPage: query.perPage,
          pagination: 'offset',
          showExpanded: true,
        }),
    );
    const projects = answer.data.map((p) => this.check(what, GitlabProject, p));
    const info = (answer.paginationInfo ?? {}) as Record<string, number | null>;
    const num = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    return {
      projects,
      pageInfo: {
        page: num(info.current) ?? query.page,
        per_page: num(info.perPage) ?? query.perPage,
        next_page: num(info.next),
        prev_page: num(info.previous),
        total: num(info.total),
        total_pages: num(info.totalPages),
      },
    };
  }

  async project(id: number): Promise<GitlabProject> {
    return this.call(`GET /projects/${id}`, GitlabProject, () => new Projects(this.options).show(id));
  }

  /** Registers Polytene's webhook: pipeline and job events only, SSL verification on. */
  async addHook(projectId: number, url: string, token: string): Promise<{ id: number }> {
    return this.call(`POST /projects/${projectId}/hooks`, WithId, () =>
      new ProjectHooks(this.options).add(projectId, url, hookOptions(token)),
    );
  }

  /**
   * Rewrites Polytene's webhook (PUT /projects/:id/hooks/:hook_id): the URL and secret token, with the
   * same events as when it was added. A hook deleted in GitLab answers 404 (not_found).
   */
  async updateHook(projectId: number, hookId: number, url: string, token: string): Promise<{ id: number }> {
    return this.call(`PUT /projects/${projectId}/hooks/${hookId}`, WithId, () =>
      new ProjectHooks(this.options).edit(projectId, hookId, url, hookOptions(token)),
    );
  }

  /** Removes a webhook; one that is gone already counts as removed. */
  async removeHook(projectId: number, hookId: number): Promise<void> {
    try {
      await this.call(`DELETE /projects/${projectId}/hooks/${hookId}`, Type.Unknown(), () =>
        new ProjectHooks(this.options).remove(projectId, hookId),
      );
    } catch (error) {
      if (!(
        error instanceof GitlabError &&
        error.kind === 'not_found' &&
        error.message.includes('Not found')
      ))
        throw error;
    }
  }

  /** Every deploy key enabled in the project (all pages, following GitLab's Link header). */
  async projectDeployKeys(projectId: number): Promise<GitlabDeployKey[]> {
    return this.call(`GET /projects/${projectId}/deploy_keys`, Type.Array(DeployKey), () =>
      new DeployKeys(this.options).all({ projectId, perPage: 100 }),
    );
  }

  async createDeployKey(projectId: number, title: string, key: string): Promise<GitlabDeployKey> {
    return this.call(`POST /projects/${projectId}/deploy_keys`, DeployKey, () =>
      new DeployKeys(this.options).create(projectId, title, key, { canPush: false }),
    );
  }

  async enableDeployKey(projectId: number, keyId: number): Promise<void> {
    await this.call(`POST /projects/${projectId}/deploy_keys/${keyId}/enable`, WithId, () =>
      new DeployKeys(this.options).enable(projectId, keyId),
    );
  }

  async makeDeployKeyReadOnly(projectId: number, keyId: number): Promise<void> {
    await this.call(`PUT /projects/${projectId}/deploy_keys/${keyId}`, WithId, () =>
      new DeployKeys(this.options).edit(projectId, keyId, { canPush: false }),
    );
  }

  async createDeployment(
    projectId: number,
    values: { environment: string; sha: string; ref: string; tag: boolean; status: DeploymentStatus },
  ): Promise<{ id: number }> {
    return this.call(`POST /projects/${projectId}/deployments`, WithId, () =>
      new Deployments(this.options).create(
        projectId,
        values.environment,
        values.sha,
        values.ref,
        values.tag,
        {
          status: values.status,
        },
      ),
    );
  }

  async updateDeployment(projectId: number, deploymentId: number, status: DeploymentStatus): Promise<void> {
    await this.call(`PUT /projects/${projectId}/deployments/${deploymentId}`, WithId, () =>
      new Deployments(this.options).edit(projectId, deploymentId, status),
    );
  }

  async setCommitStatus(
    projectId: number,
    sha: string,
    values: { state: CommitState; name: string; ref: string; targetUrl: string; description: string },
  ): Promise<void> {
    await this.call(`POST /projects/${projectId}/statuses/${sha}`, WithId, () =>
      new Commits(this.options).editStatus(projectId, sha, values.state, {
        name: values.name,
        ref: values.ref,
        targetUrl: values.targetUrl,
        description: values.description,
      }),
    );
  }

  private async call<S extends TSchema>(
    what: string,
    schema: S,
    run: () => Promise<unknown>,
  ): Promise<Static<S>> {
    let answer: unknown;
    try {
      answer = await run();
    } catch (error) {
      throw classifyGitlabFailure(error, this.baseUrl, what);
    }
    return this.check(what, schema, answer);
  }

  private check<S extends TSchema>(what: string, schema: S, answer: unknown): Static<S> {
    if (Value.Check(schema, answer)) return answer;
    const first = [...Value.Errors(schema, answer)][0];
    const where = first ? `${first.instancePath || '(root)'} ${first.message}` : 'unexpected shape';
    throw new GitlabError(
      'malformed',
      `GitLab at ${this.baseUrl} sent an unexpected answer to ${what}: ${where}`,
    );
  }
}
