/** What a notification hook is sent (architecture.md §9): the signed webhook body, Slack, Teams. */
import { createHmac } from 'node:crypto';
import type { NotificationDeliveryEvent, NotificationWebhookBody } from '@polytene/protocol';

/** What a delivery tells, gathered by hooks.ts from the database. */
export interface Facts {
  event: NotificationDeliveryEvent;
  deliveryId: number;
  project: { id: number; name: string };
  environment: string;
  deployment: NotificationWebhookBody['deployment'];
}

const HEADLINE: Record<NotificationDeliveryEvent, string> = {
  awaiting_approval: 'deployment awaiting approval',
  queued: 'deployment queued',
  started: 'deployment started',
  succeeded: 'deployment succeeded',
  failed: 'deployment failed',
  canceled: 'deployment canceled',
  recovered: 'deployment recovered',
  test: 'test notification',
};

const headline = (f: Facts) => `${f.project.name} / ${f.environment}: ${HEADLINE[f.event]}`;
const whatLine = (f: Facts) =>
  f.deployment
    ? `${f.deployment.ref} @ ${f.deployment.sha.slice(0, 12)} by ${f.deployment.triggered_by ?? 'Polytene'}`
    : 'Polytene can reach this hook.';

export function webhookBody(f: Facts): NotificationWebhookBody {
  return {
    event: f.event,
    delivery_id: f.deliveryId,
    project: f.project,
    environment: f.environment,
    deployment: f.deployment,
    sent_at: new Date().toISOString(),
  };
}

/** A Slack incoming-webhook message in Block Kit: a section with the news, a context with the details. */
export function slackBody(f: Facts): Record<string, unknown> {
  const text = headline(f);
  const link = f.deployment ? ` <${f.deployment.url}|Deployment #${f.deployment.id}>` : '';
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*${link}` } },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `Project: ${f.project.name}` },
          { type: 'mrkdwn', text: `Environment: ${f.environment}` },
          { type: 'mrkdwn', text: whatLine(f) },
        ],
      },
    ],
  };
}

/** A Teams incoming-webhook message as a MessageCard. */
export function teamsBody(f: Facts): Record<string, unknown> {
  const facts = [
    { name: 'Project', value: f.project.name },
    { name: 'Environment', value: f.environment },
  ];
  if (f.deployment)
    facts.push(
      { name: 'Ref', value: f.deployment.ref },
      { name: 'Commit', value: f.deployment.sha },
      { name: 'Triggered by', value: f.deployment.triggered_by ?? 'Polytene' },
    );
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: headline(f),
    themeColor: f.event === 'failed' ? 'D13438' : '2EB886',
    sections: [{ activityTitle: headline(f), activitySubtitle: whatLine(f), facts }],
    ...(f.deployment
      ? {
          potentialAction: [
            {
              '@type': 'OpenUri',
              name: 'Open deployment',
              targets: [{ os: 'default', uri: f.deployment.url }],
            },
          ],
        }
      : {}),
  };
}

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the X-Polytene-Signature of a webhook. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
