import type { App } from '../http/types.js';
import type { AppContext } from '../context.js';
import { ErrorResponse } from '../http/schemas.js';
import { requireUser } from '../auth/guard.js';
import { unauthorized } from '../errors.js';
import { HEARTBEAT_MS } from './routes.js';
import { ListStream } from './list-stream.js';
import { LISTS_TOPIC, runnerMessage } from './lists.js';

/** How often this process looks whether a runner went offline (or came back) by time alone. */
export const RUNNER_WATCH_MS = 10_000;

/**
 * Runners go offline by staying silent, which no write announces. While someone listens, each process
 * compares every runner's online state with the one it saw last and tells its own streams of the moves.
 */
export function watchRunners(ctx: AppContext, intervalMs = RUNNER_WATCH_MS): () => void {
  let known = new Map<number, boolean>();
  let busy = false;
  const check = async () => {
    if (busy) return;
    if (ctx.bus.listenerCount(LISTS_TOPIC) === 0) {
      known = new Map();
      return;
    }
    busy = true;
    try {
      const rows = await ctx.db
        .selectFrom('runners')
        .select(['id', 'owner_id', 'shared', 'last_seen_at'])
        .execute();
      const now = Date.now();
      const next = new Map<number, boolean>();
      for (const row of rows) {
        const online =
          row.last_seen_at !== null && now - row.last_seen_at.getTime() <= ctx.config.leaseSeconds * 1000;
        next.set(row.id, online);
        const before = known.get(row.id);
        if (before === undefined || before === online) continue;
        ctx.bus.emitLocal(LISTS_TOPIC, { ...runnerMessage(row, online ? 'online' : 'offline') });
      }
      known = next;
    } catch (error) {
      console.error('[events] runner watch failed:', error);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** GET /api/v1/events: one Server-Sent Event stream of list changes (architecture.md §6). */
export async function listEventRoutes(app: App): Promise<void> {
  const { ctx } = app;
  const streams = new Set<ListStream>();
  const stopWatch = watchRunners(ctx);
  app.addHook('preClose', async () => {
    stopWatch();
    for (const stream of streams) stream.end();
  });

  app.get(
    '/api/v1/events',
    {
      schema: {
        tags: ['events'],
        description:
          'Server-Sent Events for lists: `change` ({kind, ids, status}: a build recorded or updated, a ' +
          'deployment queued or changed, an environment changed, a runner changed or went on/offline), ' +
          'only for what the caller may see; `resync` when events may have been missed. Comments every ' +
          `${HEARTBEAT_MS / 1000} s keep it open.`,
        response: { 401: ErrorResponse },
      },
    },
    async (request, reply) => {
      requireUser(request);
      const principal = request.principal;
      if (!principal) throw unauthorized();
      const stream = new ListStream(ctx, principal, reply.raw, HEARTBEAT_MS, () => streams.delete(stream));
      await stream.prepare();
      streams.add(stream);
      reply.hijack();
      stream.open();
    },
  );
}
