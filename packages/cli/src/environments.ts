import type { EnvironmentDeployment, EnvironmentList, EnvironmentView } from '@polytene/protocol';
import type { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import { afterQueued, type WaitOptions } from './deployments.js';
import { printJson, shortSha, table, when, type Output } from './output.js';
import { findProject } from './resolve.js';
import type { DeploymentView } from './views.js';

/** The project's environments in pipeline order, as the server lists them. */
async function environmentsOf(client: ApiClient, projectRef: string) {
  const project = await findProject(client, projectRef);
  const { environments } = await client.get<EnvironmentList>(`/api/v1/projects/${project.id}/environments`);
  return { project, environments };
}

/** The environment called `name` of the project, or exit 4 naming the ones it has. */
async function findEnvironment(
  client: ApiClient,
  projectRef: string,
  name: string,
): Promise<EnvironmentView> {
  const { project, environments } = await environmentsOf(client, projectRef);
  const found = environments.find((e) => e.name === name);
  if (!found) {
    const names = environments.map((e) => e.name).join(', ') || 'none';
    throw new CliError(EXIT.notFound, `${project.name} has no environment "${name}" (it has: ${names})`);
  }
  return found;
}

/** "12 build 7 main@1a2b3c4d 2026-12-03 09:26:29", the rollback marked. */
function deploymentCell(d: EnvironmentDeployment | null): string {
  if (!d) return '-';
  const rollback = d.rollback ? ' (rollback)' : '';
  return `build ${d.build.id} ${d.build.ref}@${shortSha(d.build.sha)}${rollback} ${when(d.finished_at ?? d.queued_at)}`;
}

function holdCell(env: EnvironmentView): string {
  return env.hold ? `held by ${env.hold.by.login}: ${env.hold.reason}` : '-';
}

/** The project's environments in pipeline order: what is live, the last attempt, how many wait, holds. */
export async function envs(client: ApiClient, out: Output, projectRef: string): Promise<number> {
  const { project, environments } = await environmentsOf(client, projectRef);
  if (out.json) printJson(out, { environments });
  else if (environments.length === 0) out.note(`${project.name} has no environments yet`);
  else {
    const rows = environments.map((e) => [
      e.name,
      deploymentCell(e.live),
      e.last ? `${e.last.status} ${deploymentCell(e.last)}` : '-',
      String(e.waiting),
      holdCell(e),
    ]);
    table([['ENVIRONMENT', 'LIVE', 'LAST ATTEMPT', 'WAITING', 'HOLD'], ...rows]).forEach((row) =>
      out.line(row),
    );
  }
  return EXIT.ok;
}

function printEnvironment(out: Output, env: EnvironmentView, words: string): void {
  if (out.json) printJson(out, env);
  else out.line(words);
}

/** Holds automatic deployment in the environment until someone resumes it. */
export async function hold(
  client: ApiClient,
  out: Output,
  projectRef: string,
  options: { env: string; message: string },
): Promise<number> {
  const env = await findEnvironment(client, projectRef, options.env);
  const held = await client.post<EnvironmentView>(`/api/v1/environments/${env.id}/hold`, {
    reason: options.message,
  });
  printEnvironment(out, held, `${held.name}: ${holdCell(held)}`);
  return EXIT.ok;
}

/** Ends the environment's hold: its waiting automatic deployments start. */
export async function resume(
  client: ApiClient,
  out: Output,
  projectRef: string,
  options: { env: string },
): Promise<number> {
  const env = await findEnvironment(client, projectRef, options.env);
  const resumed = await client.post<EnvironmentView>(`/api/v1/environments/${env.id}/resume`, {});
  printEnvironment(
    out,
    resumed,
    `${resumed.name}: automatic deployment resumed (${resumed.waiting} waiting)`,
  );
  return EXIT.ok;
}

/**
 * Asks the server to roll the environment back (POST /environments/:id/rollback: the newest succeeded
 * build older than the live one); the environment is then held until `polytene resume`.
 */
export async function rollback(
  client: ApiClient,
  out: Output,
  projectRef: string,
  options: WaitOptions & { env: string },
): Promise<number> {
  const env = await findEnvironment(client, projectRef, options.env);
  const created = await client.post<DeploymentView>(`/api/v1/environments/${env.id}/rollback`, {});
  const from = env.live ? ` from build ${env.live.build.id} (${shortSha(env.live.build.sha)})` : '';
  out.note(
    `rolling ${env.name} back${from} to build ${created.build.id} (${shortSha(created.build.sha)}); automatic deployment there is held until "polytene resume"`,
  );
  return afterQueued(client, out, created, options);
}
