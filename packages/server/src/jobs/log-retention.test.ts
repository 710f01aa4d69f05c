import { describe, expect, it } from 'vitest';
import { useTestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import { deleteOldLogs } from './log-retention.js';
import { insertLogLines, storedLines } from '../test-support/logs.js';

const server = useTestServer({ logRetentionDays: 30, logRetentionKeepPerEnvironment: 2 });

const DAY = 24 * 3600 * 1000;

/** A finished deployment with three log lines, `daysAgo` old. */
async function finished(projectId: number, environment: string, daysAgo: number | null) {
  const config =
    (await server.ctx.db
      .selectFrom('branch_configs')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('environment', '=', environment)
      .executeTakeFirst()) ??
    (await insertBranchConfig(server, { project_id: projectId, branch_name: environment, environment }));
  const build = await insertBuild(server, { project_id: projectId, branch_config_id: config.id });
  const deployment = await insertQueuedDeployment(server, build, config);
  if (daysAgo !== null) {
    await server.ctx.db
      .updateTable('deployments')
      .set({ status: 'succeeded', finished_at: new Date(Date.now() - daysAgo * DAY) })
      .where('id', '=', deployment.id)
      .execute();
  }
  await insertLogLines(
    server.ctx.db,
    deployment.id,
    [1, 2, 3].map((n) => ({ n, text: 'x' })),
  );
  return deployment.id;
}

const lineCount = async (id: number) => (await storedLines(server.ctx.db, id)).length;

describe('log retention', () => {
  it('deletes logs older than the retention period but keeps the last N per (project, environment)', async () => {
    const { project } = await insertProject(server);
    const oldest = await finished(project.id, 'production', 90);
    const older = await finished(project.id, 'production', 60);
    const keptOld = await finished(project.id, 'production', 50);
    const keptNew = await finished(project.id, 'production', 1);
    const queued = await finished(project.id, 'production', null);
    const otherEnvironment = await finished(project.id, 'staging', 90);

    const deleted = await deleteOldLogs(server.ctx);

    expect(deleted).toEqual([oldest, older]);
    for (const id of [oldest, older]) {
      expect(await lineCount(id)).toBe(0);
      const row = await server.ctx.db
        .selectFrom('deployments')
        .select('logs_deleted_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.logs_deleted_at).toBeInstanceOf(Date);
    }
    for (const id of [keptOld, keptNew, queued, otherEnvironment]) expect(await lineCount(id)).toBe(3);
    expect(await deleteOldLogs(server.ctx)).toEqual([]);
  });
});
