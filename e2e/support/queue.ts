import type { RunningServer } from '../../packages/server/src/server.js';
import type { Deployment } from '../../packages/server/src/db/schema.js';
import { publish } from '../../packages/server/src/events/bus.js';
import { JOBS_TOPIC } from '../../packages/server/src/deployments/transitions.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
  insertRunner,
} from '../../packages/server/src/test-support/fixtures.js';

/** A runner linked to a new project, ready to have deployments queued for it. */
export async function linkedRunner(fixtures: RunningServer, environment = 'production') {
  const { runner, token } = await insertRunner(fixtures);
  const { project } = await insertProject(fixtures, { runner_id: runner.id });
  const config = await insertBranchConfig(fixtures, {
    project_id: project.id,
    environment,
    deployment_script: 'echo deploy',
  });
  return { runner, token, project, config };
}

/** Queues a deployment of a new build and announces it to waiting runners, as intake does. */
export async function queueAndAnnounce(
  fixtures: RunningServer,
  target: Awaited<ReturnType<typeof linkedRunner>>,
): Promise<Deployment> {
  const build = await insertBuild(fixtures, {
    project_id: target.project.id,
    branch_config_id: target.config.id,
  });
  const deployment = await insertQueuedDeployment(fixtures, build, target.config);
  await publish(fixtures.ctx.db, JOBS_TOPIC, { project_id: target.project.id });
  return deployment;
}
