import type { AppContext } from '../context.js';
import type { Project } from '../db/schema.js';
import type { BuildInput } from '../intake/service.js';
import { githubApiUrlProblem } from '../projects/github.js';
import { GithubError, tagExists } from './client.js';

/** A workflow run as a build, and why it could not be told whether its `head_branch` is a tag. */
export interface ResolvedRun {
  input: BuildInput;
  note?: string;
}

/** The run's triggering event (`workflow_run.event`: push, pull_request, schedule, ...), or ''. */
function runEvent(payload: unknown): string {
  const run = (payload as { workflow_run?: { event?: unknown } } | null)?.workflow_run;
  return typeof run?.event === 'string' ? run.event : '';
}

/**
 * GitHub puts the TAG name in `workflow_run.head_branch` for a run of a tag push (event `push`), and the
 * payload has no field saying which it is. So for a push run Polytene asks GitHub whether
 * `refs/tags/<head_branch>` exists, with the project's token: if it does, the build is a tag (is_tag,
 * never matching a branch config). Without a token, or when GitHub cannot be asked, it stays a branch
 * build, with a note saying so. Called before the build's transaction (it is a network call).
 */
export async function resolveTagRun(
  ctx: AppContext,
  project: Project,
  input: BuildInput,
): Promise<ResolvedRun> {
  if (runEvent(input.payload) !== 'push') return { input };
  const { github_repository: repository, github_api_url: apiUrl } = project;
  const stored = project.github_token_encrypted;
  const fallback = `recorded as a branch: whether "${input.ref}" is a tag could not be checked`;
  if (!repository || !apiUrl || stored === null) {
    return { input, note: `${fallback} (the GitHub connection has no token)` };
  }
  try {
    const problem = await githubApiUrlProblem(ctx, apiUrl);
    if (problem) throw new GithubError(`the GitHub API URL ${problem}`, false);
    const token = ctx.secrets.decrypt(stored);
    const isTag = await tagExists({ apiUrl, token, repository, tag: input.ref });
    return { input: { ...input, is_tag: isTag } };
  } catch (error) {
    if (!(error instanceof GithubError)) throw error;
    return { input, note: `${fallback}: ${error.message}` };
  }
}
