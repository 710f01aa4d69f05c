import { constants } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { targetProblems, type Job } from '@polytene/protocol';
import YAML from 'yaml';
import { writeInventory } from './inventory.js';
import type { PreparedWorkspace } from './workspace.js';
import { displayUrl } from './workspace.js';

export class ArtifactsError extends Error {}

export const METADATA_FILE = 'polytene-runner.yml';

/** The artifacts directory inside the work tree; refuses absolute paths and paths that climb out of it. */
export function artifactsDirOf(workTree: string, artifactsDir: string): string {
  const relative = artifactsDir.trim() === '' ? 'polytene' : artifactsDir;
  if (path.isAbsolute(relative))
    throw new ArtifactsError(`the artifacts dir "${artifactsDir}" must be relative`);
  const resolved = path.resolve(workTree, relative);
  if (resolved === workTree || !resolved.startsWith(workTree + path.sep)) {
    throw new ArtifactsError(`the artifacts dir "${artifactsDir}" must stay inside the work tree`);
  }
  return resolved;
}

type TargetSummary = { name: string; address: string; groups: string[] };

/** What `polytene-runner.yml` says about the deployment; the targets' variables are in inventory.yml. */
export function deploymentMetadata(job: Job): Record<string, string | number | null | TargetSummary[]> {
  return {
    branch: job.branch,
    ref: job.build.ref,
    sha: job.build.sha,
    repo_url: displayUrl(job.project.clone_url),
    environment: job.environment,
    project_id: job.project.id,
    project_name: job.project.name,
    build_id: job.build.id,
    build_external_id: job.build.external_id,
    deployment_id: job.id,
    targets: (job.targets ?? []).map(({ name, address, groups }) => ({ name, address, groups })),
  };
}

/**
 * Creates `<artifacts dir>/`, writes `polytene-runner.yml`, `inventory.yml` (the environment's targets,
 * refused in words when Ansible would not take them) and `<sha>.zip` (the commit's tree, by
 * `git archive`, copied from the workspace's cache: a copy the script may change or move freely).
 * Returns the absolute artifacts dir.
 */
export async function writeArtifacts(
  job: Job,
  workspace: PreparedWorkspace,
  signal?: AbortSignal,
): Promise<string> {
  const targets = job.targets ?? [];
  const problems = targetProblems(targets);
  if (problems.length > 0) {
    throw new ArtifactsError(
      `the environment's targets cannot be an Ansible inventory: ${problems.map((p) => p.message).join('; ')}`,
    );
  }
  const dir = artifactsDirOf(workspace.workTree, job.artifacts_dir);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, METADATA_FILE), YAML.stringify(deploymentMetadata(job)));
  await writeInventory(dir, targets);
  signal?.throwIfAborted();
  try {
    await copyFile(workspace.archive, path.join(dir, `${job.build.sha}.zip`), constants.COPYFILE_FICLONE);
  } catch (error) {
    throw new ArtifactsError(`could not copy ${job.build.sha}.zip: ${(error as Error).message}`);
  }
  return dir;
}
