/** The one GitHub REST call Polytene makes: a commit status (plain fetch; no client library needed). */

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

function failure(status: number, body: string): GithubError {
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
    const words = `GitHub answered ${status}${said}: the token needs the "Commit statuses" (repo:status) permission on the repository`;
    return new GithubError(words, status === 403 && /rate limit/i.test(said));
  }
  if (status === 429) return new GithubError(`GitHub rate-limited the call (429)${said}`, true);
  if (status >= 500) return new GithubError(`GitHub answered ${status}${said}; it will be tried again`, true);
  return new GithubError(`GitHub refused the commit status (${status})${said}`, false);
}

/** `POST {api}/repos/{owner}/{repo}/statuses/{sha}`; throws GithubError when GitHub does not answer 201. */
export async function createCommitStatus(request: CommitStatusRequest): Promise<void> {
  const base = request.apiUrl.replace(/\/+$/, '');
  const [owner = '', name = ''] = request.repository.split('/');
  const url = `${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/statuses/${request.sha}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${request.token}`,
        'content-type': 'application/json',
        'user-agent': 'Polytene',
        'x-github-api-version': '2022-11-28',
      },
      body: JSON.stringify({
        state: request.state,
        target_url: request.targetUrl,
        description: request.description.slice(0, 140),
        context: request.context,
      }),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    const words = timedOut ? `did not answer within ${TIMEOUT_MS / 1000} s` : 'could not be reached';
    throw new GithubError(`GitHub at ${base} ${words}; it will be tried again`, true);
  }
  if (response.status === 201) return;
  throw failure(response.status, await response.text().catch(() => ''));
}
