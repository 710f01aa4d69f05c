import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The stand-in GitLab's records, its answers and the HTTP helpers behind them (gitlab-standin.ts). */

export interface StandinUser {
  id: number;
  username: string;
  name: string;
  email: string;
}

export interface StandinToken {
  user: StandinUser;
  scopes: string[];
}

export interface StandinProject {
  id: number;
  name: string;
  path_with_namespace: string;
  default_branch: string;
  description?: string | null;
  /** Overrides ssh_url_to_repo, e.g. with a file:// repository a real runner can clone in tests. */
  ssh_url?: string;
}

export interface StandinHook {
  id: number;
  url: string;
  project_id: number;
  push_events: boolean;
  pipeline_events: boolean;
  job_events: boolean;
  deployment_events: boolean;
  tag_push_events: boolean;
  merge_requests_events: boolean;
  enable_ssl_verification: boolean;
  token: string | undefined;
  created_at: string;
}

export interface StandinDeployKey {
  id: number;
  title: string;
  key: string;
  fingerprint_sha256: string;
  created_at: string;
  expires_at: null;
}

export interface StandinDeployment {
  id: number;
  iid: number;
  project_id: number;
  environment: string;
  sha: string;
  ref: string;
  tag: boolean;
  status: string;
  created_at: string;
  updated_at: string;
}

export interface StandinCommitStatus {
  id: number;
  project_id: number;
  sha: string;
  ref: string | null;
  status: string;
  name: string;
  target_url: string | null;
  description: string | null;
  created_at: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface InjectedFailure {
  method?: string;
  path: RegExp;
  status: number;
  /** Sent as JSON unless `raw` is given. */
  body?: unknown;
  /** Sent as is, with `contentType` (default application/json): for malformed answers. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Close the connection without answering (GitLab unreachable mid-request). */
  hangUp?: boolean;
}

export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export const message = (status: number, text: string) => new HttpAnswer(status, { message: text });
export const notFound = (what = 'Not found') => message(404, `404 ${what}`);
export const badRequest = (error: string) => new HttpAnswer(400, { error });

/** GitLab's own SHA256 fingerprint of an OpenSSH public key, as in `fingerprint_sha256`. */
export function sshFingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export const jsonType = { 'content-type': 'application/json' };

export function insufficientScope(): HttpAnswer {
  return new HttpAnswer(403, {
    error: 'insufficient_scope',
    error_description: 'The request requires higher privileges than provided by the access token.',
    scope: 'api',
  });
}

export function userView(user: StandinUser): Record<string, unknown> {
  return { ...user, state: 'active', avatar_url: null, web_url: `http://gitlab.example/${user.username}` };
}

export function hookView(hook: StandinHook): Record<string, unknown> {
  const { token: _token, ...view } = hook;
  return view;
}

export function deploymentView(d: StandinDeployment): Record<string, unknown> {
  return {
    id: d.id,
    iid: d.iid,
    ref: d.ref,
    sha: d.sha,
    created_at: d.created_at,
    updated_at: d.updated_at,
    status: d.status,
    user: { id: 1, username: 'polytene', name: 'Polytene', state: 'active' },
    environment: { id: 9, name: d.environment, external_url: null },
    deployable: null,
  };
}

/** GitLab's offset pagination: per_page default 20, at most 100; headers and Link as documented. */
export function paginate<T>(items: T[], url: URL): HttpAnswer {
  const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page')) || 20, 1), 100);
  const page = Math.max(Number(url.searchParams.get('page')) || 1, 1);
  const totalPages = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (p: number) => {
    const next = new URL(url);
    next.searchParams.set('page', String(p));
    next.searchParams.set('per_page', String(perPage));
    return `<${next.toString()}>`;
  };
  const links = [
    page > 1 ? `${link(page - 1)}; rel="prev"` : null,
    page < totalPages ? `${link(page + 1)}; rel="next"` : null,
    `${link(1)}; rel="first"`,
    `${link(totalPages)}; rel="last"`,
  ].filter(Boolean);
  return new HttpAnswer(200, items.slice((page - 1) * perPage, page * perPage), {
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-next-page': page < totalPages ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
    'x-total': String(items.length),
    'x-total-pages': String(totalPages),
    link: links.join(', '),
  });
}

export function sendFailure(res: ServerResponse, failure: InjectedFailure): void {
  if (failure.hangUp) {
    res.socket?.destroy();
    return;
  }
  const body = failure.raw ?? JSON.stringify(failure.body ?? { message: `${failure.status}` });
  res.writeHead(failure.status, {
    'content-type': failure.contentType ?? 'application/json',
    ...failure.headers,
  });
  res.end(body);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseBody(raw: string, contentType: string | undefined): unknown {
  if (!raw) return undefined;
  if (contentType?.includes('application/json')) return JSON.parse(raw) as unknown;
  if (contentType?.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(raw));
  return raw;
}
