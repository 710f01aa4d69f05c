import type { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import { printJson, shortSha, table, when, type Output } from './output.js';
import { findProject } from './resolve.js';
import type { BranchConfigView, BuildView, DeploymentView, Paged, ProjectView } from './views.js';

export async function projects(
  client: ApiClient,
  out: Output,
  options: { search?: string },
): Promise<number> {
  const all: ProjectView[] = [];
  let total = 0;
  for (let page = 1; page === 1 || all.length < total; page++) {
    const list = await client.get<{ projects: ProjectView[] } & Paged>('/api/v1/projects', {
      q: options.search,
      per_page: 100,
      page,
    });
    all.push(...list.projects);
    total = list.total;
    if (list.projects.length === 0) break;
  }
  if (out.json) printJson(out, { projects: all, total });
  else if (all.length === 0) out.note('no projects');
  else {
    const rows = all.map((p) => [String(p.id), p.name, p.default_branch, p.runner?.name ?? '-', p.access]);
    table([['ID', 'NAME', 'BRANCH', 'RUNNER', 'ACCESS'], ...rows]).forEach((row) => out.line(row));
  }
  return EXIT.ok;
}

export async function builds(
  client: ApiClient,
  out: Output,
  projectRef: string,
  options: { ref?: string; limit?: string },
): Promise<number> {
  const limit = Number(options.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new CliError(EXIT.usage, `--limit must be a number from 1 to 100, not "${options.limit}"`);
  }
  const project = await findProject(client, projectRef);
  const list = await client.get<{ builds: BuildView[] } & Paged>(`/api/v1/projects/${project.id}/builds`, {
    branch: options.ref,
    per_page: limit,
  });
  if (out.json) printJson(out, list);
  else if (list.builds.length === 0)
    out.note(`no builds of ${project.name}${options.ref ? ` on ${options.ref}` : ''}`);
  else {
    const rows = list.builds.map((b) => [
      String(b.id),
      b.ref,
      shortSha(b.sha),
      b.status,
      b.deployment_status,
      when(b.created_at),
    ]);
    table([['ID', 'REF', 'SHA', 'CI', 'DEPLOYMENT', 'CREATED'], ...rows]).forEach((row) => out.line(row));
  }
  return EXIT.ok;
}

export interface EnvironmentView {
  environment: string;
  branches: string[];
  last_deployment: DeploymentView | null;
}

/** The environments the project's branch configs name, with the newest deployment to each. */
export async function envs(client: ApiClient, out: Output, projectRef: string): Promise<number> {
  const project = await findProject(client, projectRef);
  const { branches } = await client.get<{ branches: BranchConfigView[] }>(
    `/api/v1/projects/${project.id}/branches`,
  );
  const byEnv = new Map<string, string[]>();
  for (const b of branches) byEnv.set(b.environment, [...(byEnv.get(b.environment) ?? []), b.branch_name]);
  const environments: EnvironmentView[] = await Promise.all(
    [...byEnv].map(async ([environment, names]) => {
      const { deployments } = await client.get<{ deployments: DeploymentView[] }>('/api/v1/deployments', {
        project_id: project.id,
        environment,
        per_page: 1,
      });
      return { environment, branches: names.sort(), last_deployment: deployments[0] ?? null };
    }),
  );
  environments.sort((a, b) => a.environment.localeCompare(b.environment));
  if (out.json) printJson(out, { environments });
  else if (environments.length === 0) out.note(`${project.name} has no branch configs, so no environments`);
  else {
    const rows = environments.map(({ environment, branches: names, last_deployment: d }) => [
      environment,
      names.join(','),
      d
        ? `${d.id} ${d.status} ${d.build.ref}@${shortSha(d.build.sha)} ${when(d.finished_at ?? d.queued_at)}`
        : '-',
    ]);
    table([['ENVIRONMENT', 'BRANCHES', 'LAST DEPLOYMENT'], ...rows]).forEach((row) => out.line(row));
  }
  return EXIT.ok;
}
