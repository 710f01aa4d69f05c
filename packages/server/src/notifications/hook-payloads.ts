/** What a notification hook is sent (architecture.md §9): the signed webhook body, Slack, Teams. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationDeliveryEvent, NotificationWebhookBody } from '@polytene/protocol';

/** What a delivery tells, gathered by hooks.ts from the database. */
export interface Facts {
  event: NotificationDeliveryEvent;
  deliveryId: number;
  project: { id: number; name: string };
  environment: string;
  deployment: NotificationWebhookBody['deployment'];
}

type Tone = 'good' | 'bad' | 'neutral';

/** Every event's words and tone, in one place: a new event is one line here. */
const EVENT_TEXT: Record<NotificationDeliveryEvent, { label: string; tone: Tone }> = {
  awaiting_approval: { label: 'deployment awaiting approval', tone: 'neutral' },
  queued: { label: 'deployment queued', tone: 'neutral' },
  started: { label: 'deployment started', tone: 'neutral' },
  succeeded: { label: 'deployment succeeded', tone: 'good' },
  failed: { label: 'deployment failed', tone: 'bad' },
  canceled: { label: 'deployment canceled', tone: 'neutral' },
  recovered: { label: 'deployment recovered', tone: 'good' },
  test: { label: 'test notification', tone: 'neutral' },
};

/** The Adaptive Card TextBlock colour of a tone. */
const TEAMS_COLOR: Record<Tone, string> = { good: 'Good', bad: 'Attention', neutral: 'Default' };

const headline = (f: Facts) => `${f.project.name} / ${f.environment}: ${EVENT_TEXT[f.event].label}`;
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

/**
 * A Teams message as an Adaptive Card in the envelope Teams Workflows ("Post to a channel when a webhook
 * request is received") expect; Workflows take Adaptive Cards only, not the retired connectors' MessageCard.
 */
export function teamsBody(f: Facts): Record<string, unknown> {
  const facts = [
    { title: 'Project', value: f.project.name },
    { title: 'Environment', value: f.environment },
  ];
  if (f.deployment)
    facts.push(
      { title: 'Version', value: f.deployment.ref },
      { title: 'Commit', value: f.deployment.sha },
      { title: 'Triggered by', value: f.deployment.triggered_by ?? 'Polytene' },
    );
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      {
        type: 'TextBlock',
        text: headline(f),
        size: 'Medium',
        weight: 'Bolder',
        wrap: true,
        color: TEAMS_COLOR[EVENT_TEXT[f.event].tone],
      },
      { type: 'TextBlock', text: whatLine(f), isSubtle: true, wrap: true, spacing: 'None' },
      { type: 'FactSet', facts },
    ],
    ...(f.deployment
      ? {
          actions: [
            { type: 'Action.OpenUrl', title: `Open deployment #${f.deployment.id}`, url: f.deployment.url },
          ],
        }
      : {}),
  };
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the X-Polytene-Signature of a webhook. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does with a webhook (and what the tests check): the signature must match the raw
 * body and timestamp under the secret, and the timestamp be within `toleranceS` of now (no replays).
 */
export function verifySignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: string,
  nowS = Date.now() / 1000,
  toleranceS = 300,
): 'ok' | 'bad signature' | 'stale timestamp' {
  const { timestamp, signature: got } = headers;
  if (!timestamp || !/^\d+$/.test(timestamp) || !got) return 'bad signature';
  const expected = Buffer.from(signature(secret, timestamp, rawBody));
  const given = Buffer.from(got);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad signature';
  return Math.abs(nowS - Number(timestamp)) > toleranceS ? 'stale timestamp' : 'ok';
}
