import type { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import { printJson, shortSha, table, when, type Output } from './output.js';
import { findProject } from './resolve.js';
import type { BuildView, Paged, ProjectView } from './views.js';

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
