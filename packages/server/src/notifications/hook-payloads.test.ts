import { describe, expect, it } from 'vitest';
import { NOTIFICATION_DELIVERY_EVENTS } from '@polytene/protocol/enums';
import {
  signature,
  slackBody,
  teamsBody,
  verifySignature,
  webhookBody,
  type Facts,
} from './hook-payloads.js';

const facts = (event: Facts['event'], deployment = true): Facts => ({
  event,
  deliveryId: 7,
  project: { id: 1, name: 'shop' },
  environment: 'production',
  deployment: deployment
    ? {
        id: 42,
        status: 'succeeded',
        ref: 'v1.2.3',
        sha: 'a'.repeat(40),
        triggered_by: 'alice',
        url: 'https://deploy.example.test/deployments/42',
      }
    : null,
});

describe('webhook signatures', () => {
  const secret = 'right-secret';
  const body = JSON.stringify(webhookBody(facts('succeeded')));
  const now = 1_800_000_000;
  const timestamp = String(now);
  const signed = { timestamp, signature: signature(secret, timestamp, body) };

  it('verifies with the right secret, body and a fresh timestamp', () => {
    expect(signed.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(secret, signed, body, now + 10)).toBe('ok');
  });

  it('refuses a wrong secret, a changed body, a changed timestamp and a missing header', () => {
    expect(verifySignature('wrong-secret', signed, body, now)).toBe('bad signature');
    expect(verifySignature(secret, signed, body.replace('shop', 'shoq'), now)).toBe('bad signature');
    expect(verifySignature(secret, { ...signed, timestamp: String(now + 1) }, body, now)).toBe(
      'bad signature',
    );
    expect(verifySignature(secret, { ...signed, signature: undefined }, body, now)).toBe('bad signature');
    expect(verifySignature(secret, { ...signed, signature: 'sha256=00' }, body, now)).toBe('bad signature');
  });

  it('refuses a replay with an old timestamp', () => {
    expect(verifySignature(secret, signed, body, now + 301)).toBe('stale timestamp');
  });
});

describe('Slack and Teams bodies', () => {
  it('has words for every event, so a new event needs only its line in EVENT_TEXT', () => {
    for (const event of NOTIFICATION_DELIVERY_EVENTS) {
      const teams = JSON.stringify(teamsBody(facts(event)));
      expect(teams).not.toContain('undefined');
      expect(JSON.stringify(slackBody(facts(event)))).toContain('shop / production: ');
    }
  });

  it('makes a Teams Adaptive Card with title, facts and a link to the deployment', () => {
    const body = teamsBody(facts('failed'));
    expect(body).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              expect.objectContaining({
                type: 'TextBlock',
                text: 'shop / production: deployment failed',
                color: 'Attention',
                weight: 'Bolder',
              }) as unknown,
              expect.objectContaining({
                type: 'TextBlock',
                text: `v1.2.3 @ ${'a'.repeat(12)} by alice`,
              }) as unknown,
              {
                type: 'FactSet',
                facts: [
                  { title: 'Project', value: 'shop' },
                  { title: 'Environment', value: 'production' },
                  { title: 'Version', value: 'v1.2.3' },
                  { title: 'Commit', value: 'a'.repeat(40) },
                  { title: 'Triggered by', value: 'alice' },
                ],
              },
            ],
            actions: [
              {
                type: 'Action.OpenUrl',
                title: 'Open deployment #42',
                url: 'https://deploy.example.test/deployments/42',
              },
            ],
          },
        },
      ],
    });
  });

  it('makes a Teams test card without a link', () => {
    const body = teamsBody(facts('test', false)) as { attachments: { content: Record<string, unknown> }[] };
    expect(body.attachments[0]!.content).not.toHaveProperty('actions');
    expect(JSON.stringify(body)).toContain('shop / production: test notification');
  });

  it('makes Slack Block Kit with project, environment, version, who and link', () => {
    const text = JSON.stringify(slackBody(facts('succeeded')));
    for (const part of [
      'shop',
      'production',
      'v1.2.3',
      'alice',
      'https://deploy.example.test/deployments/42',
    ])
      expect(text).toContain(part);
  });
});
