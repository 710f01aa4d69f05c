/** The one way the UI talks to the server: JSON, the session cookie, the CSRF header on unsafe calls. */
import type { ErrorResponse, FieldProblem as ProtocolFieldProblem } from '@polytene/protocol';

/**
 * A problem the API named (`details` of a validation error): `code` and `params` are translated;
 * `message` is the server's English. A few checks name only a field and a message.
 */
export type FieldProblem = Omit<ProtocolFieldProblem, 'code'> & Partial<Pick<ProtocolFieldProblem, 'code'>>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** Every problem reported for one form field, or null (matches `field` and `field.sub`). */
  forField(field: string): FieldProblem[] | null {
    const hits = this.details.filter((d) => d.field === field || d.field.startsWith(`${field}.`));
    return hits.length ? hits : null;
  }
}

const CSRF_COOKIE = 'polytene_csrf';
let csrfToken = '';
const unauthorizedListeners = new Set<() => void>();
const passwordRequiredListeners = new Set<() => void>();

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

function currentCsrf(): string {
  if (csrfToken) return csrfToken;
  const cookie = document.cookie.split('; ').find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return cookie ? decodeURIComponent(cookie.slice(CSRF_COOKIE.length + 1)) : '';
}

/** Called when any request answers 401 (the session ended): the app goes back to the login page. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function onPasswordChangeRequired(listener: () => void): () => void {
  passwordRequiredListeners.add(listener);
  return () => passwordRequiredListeners.delete(listener);
}

function asProblems(details: unknown): FieldProblem[] {
  if (!Array.isArray(details)) return [];
  return details.filter(
    (d): d is FieldProblem =>
      typeof d === 'object' && d !== null && typeof (d as FieldProblem).field === 'string',
  );
}

export interface RequestOptions {
  /** Do not treat a 401 as "session ended" (the login form itself, the first GET /user). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = currentCsrf();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'network');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = (json as Partial<ErrorResponse> | null)?.error;
    const apiError = new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? response.statusText,
      asProblems(error?.details),
    );
    if (response.status === 401 && !options.quiet401) unauthorizedListeners.forEach((l) => l());
    if (apiError.code === 'PASSWORD_CHANGE_REQUIRED') passwordRequiredListeners.forEach((l) => l());
    throw apiError;
  }
  return json as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, body ?? {}, options),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T = void>(path: string) => request<T>('DELETE', path),
};

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
