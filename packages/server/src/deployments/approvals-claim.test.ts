import { describe, expect, it } from 'vitest';
import { useTestServer } from '../test-support/server.js';
import { insertBranchConfig, insertBuild, insertProject, insertRunner } from '../test-support/fixtures.js';
import { SYSTEM_ACTOR } from '../audit/service.js';
import { claimJob } from '../runner-protocol/claim.js';
import type { User } from '../db/schema.js';
import { insertUser } from '../test-support/server.js';
import { decideApproval } from './approvals.js';
import { queueDeployment } from './service.js';
import { loadDeploymentView } from './view.js';

const server = useTestServer();

describe('a deployment awaiting approval and the claim', () => {
  it('is never claimed, does not hold the environment for others, and is claimed once approved', async () => {
    const { runner } = await insertRunner(server);
    const { project } = await insertProject(server, { runner_id: runner.id });
    const config = await insertBranchConfig(server, { project_id: project.id, environment: 'prod' });
    const setApprovals = (n: number) =>
      server.ctx.db
        .updateTable('environments')
        .set({ required_approvals: n })
        .where('project_id', '=', project.id)
        .execute();
    const queue = async () => {
      const build = await insertBuild(server, { project_id: project.id, branch_config_id: config.id });
      return server.ctx.db
        .transaction()
        .execute((trx) => queueDeployment(server.ctx, trx, build, config, 'user', SYSTEM_ACTOR));
    };
    await setApprovals(1);
    const waiting = await queue();
    expect(waiting.status).toBe('awaiting_approval');
    expect(await claimJob(server.ctx, runner, null)).toBeNull();

    // Approvals no longer required: a new deployment is queued and goes first, past the waiting one.
    await setApprovals(0);
    const next = await queue();
    expect(next.status).toBe('queued');
    expect((await loadDeploymentView(server.ctx, next.id))?.waiting_for?.reason).not.toBe('behind');
    const first = await claimJob(server.ctx, runner, null);
    expect(first?.id).toBe(next.id);
    await server.ctx.db
      .updateTable('deployments')
      .set({ status: 'succeeded', finished_at: new Date(), lease_expires_at: null })
      .where('id', '=', next.id)
      .execute();

    const approver: User = await insertUser(server, { login: 'approver', role: 'admin' });
    await server.ctx.db
      .transaction()
      .execute((trx) =>
        decideApproval(
          server.ctx,
          trx,
          approver,
          { id: approver.id, login: approver.login, ip: null },
          project,
          waiting.id,
          { decision: 'approve' },
        ),
      );
    const approved = await claimJob(server.ctx, runner, null);
    expect(approved?.id).toBe(waiting.id);
  });
});
