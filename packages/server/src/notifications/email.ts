import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { DeploymentChangeHandler } from '../deployments/changes.js';
import { sendMail } from './transport.js';
import { deploymentEndedMail, type DeploymentFacts } from './message.js';

/**
 * The statuses a person is told about; `skipped` (superseded before it started) is not news. A
 * deployment waiting for approval is told once on a channel of its own, so its end is still mailed.
 */
const NOTIFIED_STATUSES = new Set(['awaiting_approval', 'succeeded', 'failed', 'canceled']);
const channelOf = (status: string) => (status === 'awaiting_approval' ? 'email:awaiting_approval' : 'email');

async function factsOf(
  ctx: AppContext,
  deploymentId: number,
): Promise<{ facts: DeploymentFacts; recipients: string[] } | null> {
  const deployment = await ctx.db
    .selectFrom('deployments')
    .selectAll()
    .where('id', '=', deploymentId)
    .executeTakeFirst();
  if (!deployment || deployment.branch_config_id === null) return null;
  const [build, project, config, user] = await Promise.all([
    ctx.db.selectFrom('builds').selectAll().where('id', '=', deployment.build_id).executeTakeFirst(),
    ctx.db.selectFrom('projects').select('name').where('id', '=', deployment.project_id).executeTakeFirst(),
    ctx.db
      .selectFrom('branch_configs')
      .select('notification_emails')
      .where('id', '=', deployment.branch_config_id)
      .executeTakeFirst(),
    deployment.triggered_by === null
      ? undefined
      : ctx.db
          .selectFrom('users')
          .select('login')
          .where('id', '=', deployment.triggered_by)
          .executeTakeFirst(),
  ]);
  if (!build || !project || !config) return null;
  return {
    facts: {
      deployment,
      build,
      projectName: project.name,
      triggeredBy: user?.login ?? null,
      publicUrl: ctx.publicUrl,
    },
    recipients: config.notification_emails,
  };
}

/** Claims the one email of a deployment; false when it was sent already (the job is a retry). */
async function claimDelivery(trx: Db, deploymentId: number, channel: string): Promise<boolean> {
  const claimed = await trx
    .insertInto('notification_deliveries')
    .values({ deployment_id: deploymentId, channel })
    .onConflict((oc) => oc.columns(['deployment_id', 'channel']).doNothing())
    .returning('deployment_id')
    .executeTakeFirst();
  return claimed !== undefined;
}

/**
 * Emails the branch config's notification addresses when a deployment ends. Does nothing when no SMTP
 * server is configured. Idempotent: the delivery is claimed in the transaction that sends the mail, so
 * a retried job (or a second worker) does not send it again, and a failed send leaves no claim behind.
 */
export const emailOnDeploymentEnd: DeploymentChangeHandler = async (ctx, change) => {
  const smtpUrl = ctx.config.smtpUrl;
  if (!smtpUrl || !NOTIFIED_STATUSES.has(change.status)) return;
  const found = await factsOf(ctx, change.deployment_id);
  if (
    !found ||
    found.recipients.length === 0 ||
    found.facts.deployment.status !== change.status ||
    !NOTIFIED_STATUSES.has(change.status)
  )
    return;
  const mail = deploymentEndedMail(found.facts);
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await claimDelivery(trx, change.deployment_id, channelOf(change.status)))) return;
    await sendMail({ smtpUrl, mailFrom: ctx.config.mailFrom }, found.recipients, mail);
  });
};
