import type { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import type { BuildView, Paged, ProjectView } from './views.js';

/** A positive whole number given on the command line, or a usage error naming `what`. */
export function parseId(raw: string, what: string): number {
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new CliError(EXIT.usage, `${what} must be a number, not "${raw}"`);
  return Number(raw);
}

/** A project by id ("12") or by its exact name ("shop"). */
export async function findProject(client: ApiClient, ref: string): Promise<ProjectView> {
  if (/^\d+$/.test(ref)) return client.get<ProjectView>(`/api/v1/projects/${parseId(ref, 'a project id')}`);
  const { projects } = await client.get<{ projects: ProjectView[] } & Paged>('/api/v1/projects', {
    q: ref,
    per_page: 100,
  });
  const found =
    projects.find((p) => p.name === ref) ?? projects.find((p) => p.name.toLowerCase() === ref.toLowerCase());
  if (!found) throw new CliError(EXIT.notFound, `no project named "${ref}" (see "polytene projects")`);
  return found;
}

export type DeployTarget = { buildId: number } | { project: string; ref: string };

/** `<build-id>` or `<project>:<ref>` (the project by id or name; a git ref has no colon). */
export function parseDeployTarget(raw: string): DeployTarget {
  if (/^\d+$/.test(raw)) return { buildId: parseId(raw, 'a build id') };
  const colon = raw.lastIndexOf(':');
  const project = raw.slice(0, colon);
  const ref = raw.slice(colon + 1);
  if (colon < 0 || project === '' || ref === '') {
    throw new CliError(EXIT.usage, `give a build id or <project>:<ref>, like shop:main, not "${raw}"`);
  }
  return { project, ref };
}

/** The build a target names: the given id, or the newest successful build of the ref. */
export async function findBuild(client: ApiClient, target: DeployTarget): Promise<BuildView> {
  if ('buildId' in target) return client.get<BuildView>(`/api/v1/builds/${target.buildId}`);
  const project = await findProject(client, target.project);
  const { builds } = await client.get<{ builds: BuildView[] }>(`/api/v1/projects/${project.id}/builds`, {
    branch: target.ref,
    status: 'success',
    per_page: 1,
  });
  const build = builds[0];
  if (!build) {
    throw new CliError(EXIT.notFound, `project ${project.name} has no successful build of ${target.ref}`);
  }
  return build;
}
