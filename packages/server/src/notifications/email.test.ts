import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertUser, startTestServer, type TestServer } from '../test-support/server.js';
import {
  insertBranchConfig,
  insertBuild,
  insertProject,
  insertQueuedDeployment,
} from '../test-support/fixtures.js';
import { transitionDeployment, type TransitionRequest } from '../deployments/transitions.js';
import type { Deployment } from '../db/schema.js';
import { emailOnDeploymentEnd } from './email.js';
import { mailText, startSmtpCapture, type ReceivedMail, type SmtpCapture } from '../test-support/smtp.js';

let smtp: SmtpCapture;
let received: ReceivedMail[];
let server: TestServer;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  received = smtp.received;
  server = await startTestServer({ smtpUrl: smtp.url, publicUrl: 'https://deploy.example.test' });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});
beforeEach(() => {
  received.length = 0;
});

/** A deployment of project "shop" to staging, triggered by alice, moved through the real transitions. */
async function deploymentThrough(
  steps: TransitionRequest[],
  emails = ['ops@example.test', 'dev@example.test'],
) {
  const alice =
    (await server.ctx.db.selectFrom('users').selectAll().where('login', '=', 'alice').executeTakeFirst()) ??
    (await insertUser(server, { login: 'alice' }));
  const { project } = await insertProject(server, { name: 'shop' });
  const config = await insertBranchConfig(server, { project_id: project.id, environment: 'staging' });
  await server.ctx.db
    .updateTable('branch_configs')
    .set({ notification_emails: emails })
    .where('id', '=', config.id)
    .execute();
  const build = await insertBuild(server, {
    project_id: project.id,
    branch_config_id: config.id,
    ref: 'main',
  });
  const queued = await insertQueuedDeployment(server, build, config);
  await server.ctx.db
    .updateTable('deployments')
    .set({ triggered_by: alice.id })
    .where('id', '=', queued.id)
    .execute();
  let deployment: Deployment = queued;
  for (const step of steps) {
    deployment = await server.ctx.db
      .transaction()
      .execute((trx) => transitionDeployment(server.ctx, trx, queued.id, step));
  }
  return { deployment, build };
}

const textOf = (mail: ReceivedMail): string => mailText(mail.raw);

describe('email when a deployment ends', () => {
  it('sends one email to the notification addresses with project, environment, status, build, trigger, exit code and link', async () => {
    const { deployment, build } = await deploymentThrough([
      { to: 'running' },
      { to: 'failed', failureReason: 'script_failure', exitCode: 3 },
    ]);
    await emailOnDeploymentEnd(server.ctx, { deployment_id: deployment.id, status: 'failed' });
    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.to.sort()).toEqual(['dev@example.test', 'ops@example.test']);
    const text = textOf(mail);
    expect(text).toMatch(/^Subject: \[Polytene\] shop \/ staging: deployment failed$/m);
    expect(text).toContain(`Ref:        main`);
    expect(text).toContain(`Commit:     ${build.sha}`);
    expect(text).toContain('Triggered:  by alice');
    expect(text).toContain('Exit code:  3');
    expect(text).toContain('script_failure');
    expect(text).toContain(`https://deploy.example.test/deployments/${deployment.id}`);
  });

  it('is idempotent: running the handler again for the same change sends nothing more', async () => {
    const { deployment } = await deploymentThrough([{ to: 'running' }, { to: 'succeeded', exitCode: 0 }]);
    await emailOnDeploymentEnd(server.ctx, { deployment_id: deployment.id, status: 'succeeded' });
    await emailOnDeploymentEnd(server.ctx, { deployment_id: deployment.id, status: 'succeeded' });
    expect(received).toHaveLength(1);
    expect(textOf(received[0]!)).toContain('deployment succeeded');
  });

  it('tells about a canceled deployment, but not about running or skipped ones', async () => {
    const running = await deploymentThrough([{ to: 'running' }]);
    await emailOnDeploymentEnd(server.ctx, { deployment_id: running.deployment.id, status: 'running' });
    const skipped = await deploymentThrough([{ to: 'skipped' }]);
    await emailOnDeploymentEnd(server.ctx, { deployment_id: skipped.deployment.id, status: 'skipped' });
    expect(received).toHaveLength(0);
    const canceled = await deploymentThrough([{ to: 'canceled' }]);
    await emailOnDeploymentEnd(server.ctx, { deployment_id: canceled.deployment.id, status: 'canceled' });
    expect(received).toHaveLength(1);
    expect(textOf(received[0]!)).toContain('deployment canceled');
  });

  it('skips quietly without an SMTP server or without addresses, leaving nothing claimed', async () => {
    const { deployment } = await deploymentThrough([{ to: 'running' }, { to: 'succeeded' }]);
    const withoutSmtp = { ...server.ctx, config: { ...server.ctx.config, smtpUrl: undefined } };
    await emailOnDeploymentEnd(withoutSmtp, { deployment_id: deployment.id, status: 'succeeded' });
    const noAddresses = await deploymentThrough([{ to: 'running' }, { to: 'succeeded' }], []);
    await emailOnDeploymentEnd(server.ctx, { deployment_id: noAddresses.deployment.id, status: 'succeeded' });
    expect(received).toHaveLength(0);
    const claims = await server.ctx.db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('deployment_id', 'in', [deployment.id, noAddresses.deployment.id])
      .execute();
    expect(claims).toEqual([]);
  });

  it('leaves no claim when sending fails, so the retried job sends the mail', async () => {
    const { deployment } = await deploymentThrough([{ to: 'running' }, { to: 'succeeded' }]);
    const unreachable = { ...server.ctx, config: { ...server.ctx.config, smtpUrl: 'smtp://127.0.0.1:1' } };
    await expect(
      emailOnDeploymentEnd(unreachable, { deployment_id: deployment.id, status: 'succeeded' }),
    ).rejects.toThrow();
    await emailOnDeploymentEnd(server.ctx, { deployment_id: deployment.id, status: 'succeeded' });
    expect(received).toHaveLength(1);
  });
});
