/**
 * The GitHub REST calls Polytene makes (plain fetch; no client library needed): a commit status, and
 * whether a tag exists (to tell a tag push's workflow run from a branch's).
 */

/** GitHub's commit status states (REST API "Create a commit status"). */
export type GithubCommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatusRequest {
  apiUrl: string;
  token: string;
  /** `owner/name`. */
  repository: string;
  sha: string;
  state: GithubCommitState;
  context: string;
  targetUrl: string;
  description: string;
}

/** Why a GitHub call failed, in words a person can act on (never the token); transient ones are retried. */
export class GithubError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 10_000;

function failure(
  status: number,
  body: string,
  permission = 'the "Commit statuses" (repo:status) permission',
  what = 'the commit status',
): GithubError {
  // GitHub answers errors as {"message": ..., "documentation_url": ...}; keep only its short message.
  let said = '';
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    if (typeof message === 'string') said = `: ${message.slice(0, 200)}`;
  } catch {
    // not JSON: the status says enough
  }
  if (status === 401) return new GithubError(`GitHub refused the token (401)${said}`, false);
  if (status === 403 || status === 404) {
    const words = `GitHub answered ${status}${said}: the token needs ${permission} on the repository`;
    return new GithubError(words, status === 403 && /rate limit/i.test(said));
  }
  if (status === 429) return new GithubError(`GitHub rate-limited the call (429)${said}`, true);
  if (status >= 500) return new GithubError(`GitHub answered ${status}${said}; it will be tried again`, true);
  return new GithubError(`GitHub refused ${what} (${status})${said}`, false);
}

/** `{api}/repos/{owner}/{repo}` for `owner/name`. */
function repositoryUrl(apiUrl: string, repository: string): string {
  const [owner = '', name = ''] = repository.split('/');
  return `${apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}

async function call(
  url: string,
  token: string,
  init: { method: 'GET' | 'POST'; body?: unknown },
): Promise<Response> {
  try {
    return await fetch(url, {
      method: init.method,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'user-agent': 'Polytene',
        'x-github-api-version': '2022-11-28',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    const words = timedOut ? `did not answer within ${TIMEOUT_MS / 1000} s` : 'could not be reached';
    throw new GithubError(`GitHub at ${new URL(url).origin} ${words}; it will be tried again`, true);
  }
}

/** `POST {api}/repos/{owner}/{repo}/statuses/{sha}`; throws GithubError when GitHub does not answer 201. */
export async function createCommitStatus(request: CommitStatusRequest): Promise<void> {
  const url = `${repositoryUrl(request.apiUrl, request.repository)}/statuses/${request.sha}`;
  const response = await call(url, request.token, {
    method: 'POST',
    body: {
      state: request.state,
      target_url: request.targetUrl,
      description: request.description.slice(0, 140),
      context: request.context,
    },
  });
  if (response.status === 201) return;
  throw failure(response.status, await response.text().catch(() => ''));
}

export interface TagLookup {
  apiUrl: string;
  token: string;
  /** `owner/name`. */
  repository: string;
  tag: string;
}

/**
 * `GET {api}/repos/{owner}/{repo}/git/ref/tags/{tag}` ("Get a reference", an exact match): true when
 * GitHub answers 200, false for 404; any other answer throws GithubError.
 */
export async function tagExists(request: TagLookup): Promise<boolean> {
  const tag = request.tag.split('/').map(encodeURIComponent).join('/');
  const url = `${repositoryUrl(request.apiUrl, request.repository)}/git/ref/tags/${tag}`;
  const response = await call(url, request.token, { method: 'GET' });
  const body = await response.text().catch(() => '');
  if (response.status === 200) return true;
  if (response.status === 404) return false;
  throw failure(response.status, body, 'the "Contents" read permission', 'the tag lookup');
}
