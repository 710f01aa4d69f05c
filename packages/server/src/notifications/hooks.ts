import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { NotificationEvent } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Db } from '../db/database.js';
import type { NotificationHook, NotificationHookDelivery } from '../db/schema.js';
import type { DeploymentChangeHandler } from '../deployments/changes.js';
import { deploymentLink } from './message.js';
import { pinnedPost, RefusedAddress, type Lookup } from './pinned-request.js';
import { signature, slackBody, teamsBody, webhookBody, type Facts } from './hook-payloads.js';

/** The job that sends one delivery; graphile-worker retries it with exponential backoff. */
export const HOOK_DELIVERY_TASK = 'notification_hook_delivery';
export const HOOK_DELIVERY_MAX_ATTEMPTS = 5;
/** How long one attempt may take in all (connect, send, answer); tests shorten it. */
export const hookTimeout = { ms: 10_000 };
const BODY_LIMIT = 1024;

// ---------------------------------------------------------------------------------------------------
// The URL a maintainer types is an SSRF risk: only http(s), and no loopback, private or link-local
// address unless the admin allows it (POLYTENE_NOTIFY_ALLOW_PRIVATE). Checked when the hook is made and
// again before each send, since a name may resolve elsewhere later.

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return PRIVATE.check(mapped[1], 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Why `raw` may not be a hook's URL, in words; null when it may. */
export async function hookUrlProblem(raw: string, allowPrivate: boolean): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return `has a host name that does not resolve (${host})`;
  }
  if (addresses.some(isPrivateAddress))
    return 'points to a loopback or private address, which the server does not allow (POLYTENE_NOTIFY_ALLOW_PRIVATE)';
  return null;
}

// ---------------------------------------------------------------------------------------------------
// What is sent (the bodies themselves: hook-payloads.ts).

async function factsOf(ctx: AppContext, delivery: NotificationHookDelivery, hook: NotificationHook) {
  const project = await ctx.db
    .selectFrom('projects')
    .select(['id', 'name'])
    .where('id', '=', hook.project_id)
    .executeTakeFirstOrThrow();
  const base = { event: delivery.event, deliveryId: delivery.id, project };
  if (delivery.deployment_id === null)
    return { ...base, environment: hook.environment ?? '(any)', deployment: null } satisfies Facts;
  const deployment = await ctx.db
    .selectFrom('deployments')
    .innerJoin('builds', 'builds.id', 'deployments.build_id')
    .leftJoin('users', 'users.id', 'deployments.triggered_by')
    .select([
      'deployments.id',
      'deployments.status',
      'deployments.environment',
      'builds.ref',
      'builds.sha',
      'users.login',
    ])
    .where('deployments.id', '=', delivery.deployment_id)
    .executeTakeFirstOrThrow();
  return {
    ...base,
    environment: deployment.environment,
    deployment: {
      id: deployment.id,
      status: deployment.status,
      ref: deployment.ref,
      sha: deployment.sha,
      triggered_by: deployment.login,
      url: deploymentLink(ctx.publicUrl, deployment.id),
    },
  } satisfies Facts;
}

// ---------------------------------------------------------------------------------------------------
// Sending.

async function send(
  ctx: AppContext,
  hook: NotificationHook,
  facts: Facts,
): Promise<{ status: number; body: string }> {
  // Syntax only here: the address check happens in the socket's own lookup (pinned-request.ts).
  const problem = await hookUrlProblem(hook.url, true);
  if (problem) throw new Error(`the hook's URL ${problem}`);
  const payload =
    hook.kind === 'slack' ? slackBody(facts) : hook.kind === 'teams' ? teamsBody(facts) : webhookBody(facts);
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Polytene-Notifications',
  };
  if (hook.kind === 'webhook' && hook.secret_encrypted) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    headers['x-polytene-timestamp'] = timestamp;
    headers['x-polytene-signature'] = signature(ctx.secrets.decrypt(hook.secret_encrypted), timestamp, body);
  }
  // No redirects: a receiver must not steer the request to an address the check refused.
  return pinnedPost({
    url: hook.url,
    headers,
    body,
    timeoutMs: hookTimeout.ms,
    bodyLimit: BODY_LIMIT,
    isPrivate: ctx.config.notifyAllowPrivate ? null : isPrivateAddress,
    ...(hookLookup.current ? { lookup: hookLookup.current } : {}),
  });
}

/** Tests may swap the resolver deliveries use (e.g. a name resolving to 127.0.0.1). */
export const hookLookup: { current: Lookup | null } = { current: null };

/** The words of a failed fetch, without the URL (a Slack or Teams URL is itself a credential). */
function errorWords(error: unknown): string {
  if (!(error instanceof Error)) return 'the request failed';
  if (error instanceof RefusedAddress) return error.message;
  if (error.name === 'TimeoutError')
    return `no answer within ${hookTimeout.ms / 1000} s (the receiver is too slow or unreachable)`;
  const cause = (error as Error & { cause?: unknown }).cause;
  const code = cause instanceof Error ? ((cause as Error & { code?: string }).code ?? cause.message) : null;
  return code ? `${error.message}: ${code}` : error.message;
}

export class DeliveryFailed extends Error {}

/**
 * One attempt at a delivery; records its answer. Throws DeliveryFailed when the attempt failed, so the
 * job is retried; on the last attempt the delivery is recorded `failed`.
 */
export async function attemptDelivery(
  ctx: AppContext,
  deliveryId: number,
  attempt: number,
  maxAttempts: number,
): Promise<NotificationHookDelivery | null> {
  const delivery = await ctx.db
    .selectFrom('notification_hook_deliveries')
    .selectAll()
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  if (!delivery || delivery.status !== 'pending') return delivery ?? null;
  const hook = await ctx.db
    .selectFrom('notification_hooks')
    .selectAll()
    .where('id', '=', delivery.hook_id)
    .executeTakeFirst();
  if (!hook) return null;
  let outcome: { ok: boolean; status: number | null; body: string | null; error: string | null };
  try {
    const answer = await send(ctx, hook, await factsOf(ctx, delivery, hook));
    const ok = answer.status >= 200 && answer.status < 300;
    outcome = { ok, status: answer.status, body: answer.body, error: ok ? null : `HTTP ${answer.status}` };
  } catch (error) {
    outcome = { ok: false, status: null, body: null, error: errorWords(error) };
  }
  const last = attempt >= maxAttempts;
  const updated = await ctx.db
    .updateTable('notification_hook_deliveries')
    .set({
      status: outcome.ok ? 'delivered' : last ? 'failed' : 'pending',
      attempts: attempt,
      response_status: outcome.status,
      response_body: outcome.body,
      error: outcome.error,
      updated_at: new Date(),
    })
    .where('id', '=', deliveryId)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (!outcome.ok && !last)
    throw new DeliveryFailed(`notification delivery ${deliveryId} failed: ${outcome.error ?? 'unknown'}`);
  return updated;
}

/** POST /notification-hooks/:id/test: one delivery of the `test` event, sent now, once. */
export async function sendTest(ctx: AppContext, hook: NotificationHook): Promise<NotificationHookDelivery> {
  const delivery = await ctx.db
    .insertInto('notification_hook_deliveries')
    .values({ hook_id: hook.id, deployment_id: null, event: 'test' })
    .returningAll()
    .executeTakeFirstOrThrow();
  return (await attemptDelivery(ctx, delivery.id, 1, 1)) ?? delivery;
}

// ---------------------------------------------------------------------------------------------------
// The deployment change handler.

const EVENT_OF: Partial<Record<string, NotificationEvent>> = {
  awaiting_approval: 'awaiting_approval',
  queued: 'queued',
  running: 'started',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
};

/** Whether the deployment before this one in its project and environment that ended failed. */
async function recovers(db: Db, deployment: { id: number; project_id: number; environment: string }) {
  const previous = await db
    .selectFrom('deployments')
    .select('status')
    .where('project_id', '=', deployment.project_id)
    .where('environment', '=', deployment.environment)
    .where('id', '<', deployment.id)
    .where('status', 'in', ['succeeded', 'failed'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return previous?.status === 'failed';
}

/**
 * Queues one delivery job per hook of the deployment's project (and environment) that asked for the
 * change's event. The delivery row is unique per hook, deployment and event, so a retried change job
 * queues nothing twice. A receiver's failure stays in its delivery job: the deployment never waits.
 */
export const notifyHooksOnDeploymentChange: DeploymentChangeHandler = async (ctx, change) => {
  const event = EVENT_OF[change.status];
  if (!event) return;
  const deployment = await ctx.db
    .selectFrom('deployments')
    .select(['id', 'project_id', 'environment'])
    .where('id', '=', change.deployment_id)
    .executeTakeFirst();
  if (!deployment) return;
  const hooks = await ctx.db
    .selectFrom('notification_hooks')
    .selectAll()
    .where('project_id', '=', deployment.project_id)
    .where((eb) => eb.or([eb('environment', 'is', null), eb('environment', '=', deployment.environment)]))
    .execute();
  if (hooks.length === 0) return;
  const events: NotificationEvent[] = [event];
  if (event === 'succeeded' && (await recovers(ctx.db, deployment))) events.push('recovered');
  await ctx.db.transaction().execute(async (trx) => {
    for (const hook of hooks)
      for (const e of events) {
        if (!hook.events.includes(e)) continue;
        const row = await trx
          .insertInto('notification_hook_deliveries')
          .values({ hook_id: hook.id, deployment_id: deployment.id, event: e })
          .onConflict((oc) =>
            oc
              .columns(['hook_id', 'deployment_id', 'event'])
              .where('deployment_id', 'is not', null)
              .doNothing(),
          )
          .returning('id')
          .executeTakeFirst();
        if (row)
          await ctx.jobs.add(
            trx,
            HOOK_DELIVERY_TASK,
            { delivery_id: row.id },
            { maxAttempts: HOOK_DELIVERY_MAX_ATTEMPTS },
          );
      }
  });
};
