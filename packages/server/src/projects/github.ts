import type { GithubConnectionInput } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Project } from '../db/schema.js';
import { hookUrlProblem } from '../notifications/hooks.js';
import { invalidField } from './validation.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/**
 * Why the server may not call `apiUrl` as a GitHub API, or null: http(s), and not a private address
 * unless the admin allows those (POLYTENE_NOTIFY_ALLOW_PRIVATE). GitHub's own API is always allowed.
 */
export async function githubApiUrlProblem(ctx: AppContext, apiUrl: string): Promise<string | null> {
  if (apiUrl === DEFAULT_GITHUB_API_URL) return null;
  return hookUrlProblem(apiUrl, ctx.config.notifyAllowPrivate);
}

/** The project columns of a GitHub connection (architecture.md §8), all null when there is none. */
export interface GithubColumns {
  source: Project['source'];
  github_repository: string | null;
  github_api_url: string | null;
  github_token_encrypted: string | null;
}

/**
 * The columns for connecting `before` (null: a new project) to a GitHub repository, or disconnecting it
 * with `input` null. A token left out keeps the stored one, null removes it. Refused (400) for a project
 * imported from GitLab, and for an API URL that is not http(s) or points to a private address (unless
 * the admin allows private addresses, POLYTENE_NOTIFY_ALLOW_PRIVATE), as the server will call it.
 */
export async function githubColumns(
  ctx: AppContext,
  before: Project | null,
  input: GithubConnectionInput | null,
): Promise<GithubColumns> {
  if (before?.source === 'gitlab') {
    throw invalidField('github', 'cannot be set on a project imported from GitLab, which reports to GitLab');
  }
  if (input === null) {
    return { source: 'manual', github_repository: null, github_api_url: null, github_token_encrypted: null };
  }
  const apiUrl = (input.api_url ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
  const problem = await githubApiUrlProblem(ctx, apiUrl);
  if (problem) throw invalidField('github.api_url', problem);
  const token =
    input.token === undefined
      ? (before?.github_token_encrypted ?? null)
      : input.token === null
        ? null
        : ctx.secrets.encrypt(input.token);
  return {
    source: 'github',
    github_repository: input.repository,
    github_api_url: apiUrl,
    github_token_encrypted: token,
  };
}
