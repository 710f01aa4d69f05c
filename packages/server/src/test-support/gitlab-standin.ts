import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  badRequest,
  deploymentView,
  hookView,
  HttpAnswer,
  insufficientScope,
  jsonType,
  message,
  notFound,
  paginate,
  parseBody,
  readBody,
  sendFailure,
  sshFingerprint,
  userView,
  type InjectedFailure,
  type ReceivedRequest,
  type StandinCommitStatus,
  type StandinDeployKey,
  type StandinDeployment,
  type StandinHook,
  type StandinProject,
  type StandinToken,
  type StandinUser,
} from './gitlab-standin-shapes.js';

/** What tests use besides the class; the records' shapes are in gitlab-standin-shapes.ts. */
export { sshFingerprint, type InjectedFailure } from './gitlab-standin-shapes.js';

/**
 * A stand-in GitLab for tests: an HTTP server on 127.0.0.1 that implements the REST API v4 endpoints
 * Polytene uses, with the request and response shapes, pagination headers (x-page, x-per-page,
 * x-next-page, x-prev-page, x-total, x-total-pages, Link) and error answers of GitLab's documentation
 * (doc/api/rest, project_webhooks, deploy_keys, deployments, commits#commit-status, users,
 * personal_access_tokens). It records every request it receives; `failNext` injects failures.
 */

export class GitlabStandin {
  readonly received: ReceivedRequest[] = [];
  readonly tokens = new Map<string, StandinToken>();
  readonly projects = new Map<number, StandinProject>();
  readonly hooks: StandinHook[] = [];
  readonly deployKeys: StandinDeployKey[] = [];
  /** project id → ids of the deploy keys enabled in it, with can_push. */
  readonly projectKeys = new Map<number, Map<number, boolean>>();
  readonly deployments: StandinDeployment[] = [];
  readonly statuses: StandinCommitStatus[] = [];
  private readonly failures: InjectedFailure[] = [];
  private nextId = 100;
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addUser(token: string, user: Partial<StandinUser> = {}, scopes: string[] = ['api']): StandinUser {
    const id = this.id();
    const full: StandinUser = {
      id,
      username: user.username ?? `user${id}`,
      name: user.name ?? `User ${id}`,
      email: user.email ?? `user${id}@example.test`,
    };
    this.tokens.set(token, { user: full, scopes });
    return full;
  }

  addProject(values: Partial<StandinProject> & { name: string }): StandinProject {
    const project: StandinProject = {
      id: values.id ?? this.id(),
      name: values.name,
      path_with_namespace: values.path_with_namespace ?? `group/${values.name.toLowerCase()}`,
      default_branch: values.default_branch ?? 'main',
      description: values.description ?? null,
      ...(values.ssh_url ? { ssh_url: values.ssh_url } : {}),
    };
    this.projects.set(project.id, project);
    return project;
  }

  failNext(failure: InjectedFailure): void {
    this.failures.push({ times: 1, ...failure });
  }

  /** Lifts every injected failure still pending. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Requests received other than reads, in order, as `METHOD path`. */
  writes(): string[] {
    return this.received.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  }

  keysOf(projectId: number): (StandinDeployKey & { can_push: boolean })[] {
    const enabled = this.projectKeys.get(projectId) ?? new Map<number, boolean>();
    return this.deployKeys
      .filter((k) => enabled.has(k.id))
      .map((k) => ({ ...k, can_push: enabled.get(k.id)! }));
  }

  private id(): number {
    return this.nextId++;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const raw = await readBody(req);
    const request: ReceivedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: parseBody(raw, req.headers['content-type']),
    };
    this.received.push(request);
    const failure = this.takeFailure(request);
    if (failure) return sendFailure(res, failure);
    const answer = this.route(request, url);
    res.writeHead(answer.status, { ...answer.headers, ...(answer.body === null ? {} : jsonType) });
    res.end(answer.body === null ? undefined : JSON.stringify(answer.body));
  }

  private takeFailure(request: ReceivedRequest): InjectedFailure | null {
    const index = this.failures.findIndex(
      (f) => (!f.method || f.method === request.method) && f.path.test(request.path),
    );
    if (index < 0) return null;
    const failure = this.failures[index]!;
    failure.times = (failure.times ?? 1) - 1;
    if (failure.times <= 0) this.failures.splice(index, 1);
    return failure;
  }

  private route(request: ReceivedRequest, url: URL): HttpAnswer {
    const path = request.path.replace(/\/+$/, '');
    if (!path.startsWith('/api/v4/')) return notFound();
    const header = request.headers['private-token'];
    const bearer = request.headers.authorization?.toString().replace(/^Bearer /, '');
    const token = this.tokens.get(typeof header === 'string' ? header : (bearer ?? ''));
    if (!token) return message(401, '401 Unauthorized');
    const parts = path.slice('/api/v4/'.length).split('/');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const writing = request.method !== 'GET';
    if (writing && !token.scopes.includes('api')) return insufficientScope();

    if (path === '/api/v4/user' && request.method === 'GET') return new HttpAnswer(200, userView(token.user));
    if (path === '/api/v4/personal_access_tokens/self' && request.method === 'GET') {
      return new HttpAnswer(200, {
        id: 1,
        name: 'polytene',
        revoked: false,
        created_at: '2024-01-01T00:00:00.000Z',
        scopes: token.scopes,
        user_id: token.user.id,
        last_used_at: null,
        active: true,
        expires_at: '2099-01-01',
      });
    }
    if (path === '/api/v4/projects' && request.method === 'GET') return this.listProjects(url);
    if (parts[0] !== 'projects' || !parts[1]) return notFound();
    const project = this.projects.get(Number(decodeURIComponent(parts[1])));
    if (!project) return notFound('Project Not Found');
    const rest = parts.slice(2);
    const method = request.method;

    if (rest.length === 0 && method === 'GET') return new HttpAnswer(200, this.projectView(project));
    if (rest[0] === 'hooks') return this.hookRoute(project, method, rest, body);
    if (rest[0] === 'deploy_keys') return this.deployKeyRoute(project, method, rest, body, url);
    if (rest[0] === 'deployments') return this.deploymentRoute(project, method, rest, body);
    if (rest[0] === 'statuses' && rest[1] && method === 'POST')
      return this.postStatus(project, rest[1], body);
    return notFound();
  }

  private listProjects(url: URL): HttpAnswer {
    const search = (url.searchParams.get('search') ?? '').toLowerCase();
    const all = [...this.projects.values()]
      .filter(
        (p) => !search || p.name.toLowerCase().includes(search) || p.path_with_namespace.includes(search),
      )
      .sort((a, b) => b.id - a.id)
      .map((p) => this.projectView(p));
    return paginate(all, url);
  }

  projectView(project: StandinProject): Record<string, unknown> {
    const web = `${this.url}/${project.path_with_namespace}`;
    return {
      id: project.id,
      description: project.description ?? null,
      name: project.name,
      name_with_namespace: project.path_with_namespace.replace(/\//g, ' / '),
      path: project.path_with_namespace.split('/').pop(),
      path_with_namespace: project.path_with_namespace,
      created_at: '2024-01-01T00:00:00.000Z',
      default_branch: project.default_branch,
      ssh_url_to_repo: project.ssh_url ?? `git@127.0.0.1:${project.path_with_namespace}.git`,
      http_url_to_repo: `${web}.git`,
      web_url: web,
      avatar_url: null,
      last_activity_at: '2024-01-02T00:00:00.000Z',
    };
  }

  private hookRoute(
    project: StandinProject,
    method: string,
    rest: string[],
    body: Record<string, unknown>,
  ): HttpAnswer {
    if (rest.length === 1 && method === 'GET') {
      return new HttpAnswer(200, this.hooks.filter((h) => h.project_id === project.id).map(hookView));
    }
    if (rest.length === 1 && method === 'POST') {
      if (typeof body.url !== 'string' || !body.url) return badRequest('url is missing');
      const hook: StandinHook = {
        id: this.id(),
        url: body.url,
        project_id: project.id,
        push_events: body.push_events === undefined ? true : Boolean(body.push_events),
        pipeline_events: Boolean(body.pipeline_events),
        job_events: Boolean(body.job_events),
        deployment_events: Boolean(body.deployment_events),
        tag_push_events: Boolean(body.tag_push_events),
        merge_requests_events: Boolean(body.merge_requests_events),
        enable_ssl_verification:
          body.enable_ssl_verification === undefined ? true : Boolean(body.enable_ssl_verification),
        token: typeof body.token === 'string' ? body.token : undefined,
        created_at: new Date().toISOString(),
      };
      this.hooks.push(hook);
      return new HttpAnswer(201, hookView(hook));
    }
    const index = this.hooks.findIndex((h) => h.project_id === project.id && h.id === Number(rest[1]));
    if (rest.length === 2 && method === 'PUT') {
      // Edit a project webhook: url is required; other fields change only when given.
      if (index < 0) return notFound();
      if (typeof body.url !== 'string' || !body.url) return badRequest('url is missing');
      const hook = this.hooks[index]!;
      hook.url = body.url;
      if (typeof body.token === 'string') hook.token = body.token;
      for (const field of [
        'push_events',
        'pipeline_events',
        'job_events',
        'deployment_events',
        'tag_push_events',
        'merge_requests_events',
        'enable_ssl_verification',
      ] as const) {
        if (body[field] !== undefined) hook[field] = Boolean(body[field]);
      }
      return new HttpAnswer(200, hookView(hook));
    }
    if (rest.length === 2 && method === 'GET')
      return index < 0 ? notFound() : new HttpAnswer(200, hookView(this.hooks[index]!));
    if (rest.length === 2 && method === 'DELETE') {
      if (index < 0) return notFound();
      this.hooks.splice(index, 1);
      return new HttpAnswer(204, null);
    }
    return notFound();
  }

  private deployKeyRoute(
    project: StandinProject,
    method: string,
    rest: string[],
    body: Record<string, unknown>,
    url: URL,
  ): HttpAnswer {
    const enabled = this.projectKeys.get(project.id) ?? new Map<number, boolean>();
    this.projectKeys.set(project.id, enabled);
    if (rest.length === 1 && method === 'GET') return paginate(this.keysOf(project.id), url);
    if (rest.length === 1 && method === 'POST') {
      if (typeof body.title !== 'string' || !body.title) return badRequest('title is missing');
      if (typeof body.key !== 'string' || !/^ssh-\S+ \S+/.test(body.key)) return badRequest('key is missing');
      const fingerprint = sshFingerprint(body.key);
      const existing = this.deployKeys.find((k) => k.fingerprint_sha256 === fingerprint);
      if (existing && enabled.has(existing.id)) {
        return new HttpAnswer(400, {
          message: { 'deploy_key.fingerprint_sha256': ['has already been taken'] },
        });
      }
      const key = existing ?? {
        id: this.id(),
        title: body.title,
        key: body.key,
        fingerprint_sha256: fingerprint,
        created_at: new Date().toISOString(),
        expires_at: null,
      };
      if (!existing) this.deployKeys.push(key);
      enabled.set(key.id, Boolean(body.can_push));
      return new HttpAnswer(201, { ...key, can_push: Boolean(body.can_push) });
    }
    const key = this.deployKeys.find((k) => k.id === Number(rest[1]));
    if (!key) return notFound('Deploy Key Not Found');
    if (rest.length === 3 && rest[2] === 'enable' && method === 'POST') {
      if (!enabled.has(key.id)) enabled.set(key.id, false);
      return new HttpAnswer(201, key);
    }
    if (rest.length === 2 && method === 'PUT') {
      if (!enabled.has(key.id)) return notFound('Deploy Key Not Found');
      if (typeof body.can_push === 'boolean') enabled.set(key.id, body.can_push);
      if (typeof body.title === 'string') key.title = body.title;
      return new HttpAnswer(200, { ...key, can_push: enabled.get(key.id) });
    }
    return notFound();
  }

  private deploymentRoute(
    project: StandinProject,
    method: string,
    rest: string[],
    body: Record<string, unknown>,
  ): HttpAnswer {
    const statuses = ['running', 'success', 'failed', 'canceled'];
    if (rest.length === 1 && method === 'POST') {
      for (const field of ['environment', 'sha', 'ref', 'tag', 'status']) {
        if (body[field] === undefined || body[field] === '') return badRequest(`${field} is missing`);
      }
      if (!statuses.includes(String(body.status))) return badRequest('status does not have a valid value');
      const now = new Date().toISOString();
      const deployment: StandinDeployment = {
        id: this.id(),
        iid: this.deployments.filter((d) => d.project_id === project.id).length + 1,
        project_id: project.id,
        environment: String(body.environment),
        sha: String(body.sha),
        ref: String(body.ref),
        tag: body.tag === true || body.tag === 'true',
        status: String(body.status),
        created_at: now,
        updated_at: now,
      };
      this.deployments.push(deployment);
      return new HttpAnswer(201, deploymentView(deployment));
    }
    const deployment = this.deployments.find((d) => d.project_id === project.id && d.id === Number(rest[1]));
    if (!deployment) return notFound('Deployment Not Found');
    if (rest.length === 2 && method === 'PUT') {
      if (!statuses.includes(String(body.status))) return badRequest('status does not have a valid value');
      deployment.status = String(body.status);
      deployment.updated_at = new Date().toISOString();
      return new HttpAnswer(200, deploymentView(deployment));
    }
    if (rest.length === 2 && method === 'GET') return new HttpAnswer(200, deploymentView(deployment));
    return notFound();
  }

  private postStatus(project: StandinProject, sha: string, body: Record<string, unknown>): HttpAnswer {
    const states = ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'];
    if (!states.includes(String(body.state))) return badRequest('state does not have a valid value');
    const name =
      typeof body.name === 'string' ? body.name : typeof body.context === 'string' ? body.context : 'default';
    const last = this.statuses
      .filter((s) => s.project_id === project.id && s.sha === sha && s.name === name)
      .pop();
    if (last && last.status === body.state) {
      return badRequest(`Cannot transition status via :${String(body.state)} from :${last.status}`);
    }
    const status: StandinCommitStatus = {
      id: this.id(),
      project_id: project.id,
      sha,
      ref: typeof body.ref === 'string' ? body.ref : null,
      status: String(body.state),
      name,
      target_url: typeof body.target_url === 'string' ? body.target_url : null,
      description: typeof body.description === 'string' ? body.description : null,
      created_at: new Date().toISOString(),
    };
    this.statuses.push(status);
    const { project_id: _projectId, ...view } = status;
    return new HttpAnswer(201, { ...view, allow_failure: false, author: { id: 1, username: 'polytene' } });
  }
}
