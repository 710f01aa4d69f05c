import { CliError, EXIT, exitForStatus } from './errors.js';

/** How long an ordinary request may take before the server counts as unreachable. */
const REQUEST_TIMEOUT_MS = 30_000;

type Query = Record<string, string | number | undefined>;

export interface Credentials {
  url: string;
  token: string;
}

/** The Polytene REST API with a personal API token (`Authorization: Bearer pt_...`). */
export class ApiClient {
  private credentials: Credentials | null = null;
  private readonly resolve: () => Credentials;

  constructor(url: string, token: string);
  /** Credentials looked up at the first request, so a usage error is found before a missing login. */
  constructor(resolve: () => Credentials);
  constructor(urlOrResolve: string | (() => Credentials), token = '') {
    this.resolve = typeof urlOrResolve === 'string' ? () => ({ url: urlOrResolve, token }) : urlOrResolve;
  }

  get url(): string {
    return this.login().url;
  }

  private login(): Credentials {
    this.credentials ??= this.resolve();
    return this.credentials;
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, {}, body);
  }

  /** An open `text/event-stream` response; errors as for any request. */
  async stream(path: string, query: Query, signal: AbortSignal): Promise<Response> {
    const res = await this.send('GET', path, query, undefined, signal, { accept: 'text/event-stream' });
    if (!res.ok) await this.fail(res);
    if (!res.body) throw new CliError(EXIT.server, `${this.url} answered ${path} without a body`);
    return res;
  }

  private async request<T>(method: string, path: string, query: Query, body?: unknown): Promise<T> {
    const res = await this.send(method, path, query, body, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    if (!res.ok) await this.fail(res);
    const text = await res.text().catch((error: unknown) => {
      throw unreachable(this.url, error);
    });
    if (text === '') return null as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(EXIT.server, `${this.url} is not a Polytene server: ${path} did not answer JSON`);
    }
  }

  private async send(
    method: string,
    path: string,
    query: Query,
    body: unknown,
    signal: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const target = new URL(`${this.url}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) target.searchParams.set(key, String(value));
    }
    try {
      return await fetch(target, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${this.login().token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw unreachable(this.url, error);
    }
  }

  private async fail(res: Response): Promise<never> {
    const text = await res.text().catch(() => '');
    let message = '';
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? '';
    } catch {
      // not the API's error shape
    }
    message ||= `HTTP ${res.status} ${res.statusText}`.trim();
    const code = exitForStatus(res.status);
    if (res.status === 401) {
      throw new CliError(code, `the server refused the token (${message}); run "polytene login" again`);
    }
    if (res.status === 403) throw new CliError(code, `not allowed: ${message}`);
    if (code === EXIT.server) throw new CliError(code, `the server failed: ${message}`);
    throw new CliError(code, message);
  }
}

/** "cannot reach Polytene at <url>: <why>", for a failed connection, a dropped answer or a timeout. */
export function unreachable(url: string, error: unknown): CliError {
  return new CliError(EXIT.unreachable, `cannot reach Polytene at ${url}: ${reasonOf(error)}`);
}

export function reasonOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
