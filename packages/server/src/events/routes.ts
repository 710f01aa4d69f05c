import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import type { LogEvent, StatusEvent } from '@polytene/protocol';
import { isFinalStatus, MAX_LOG_LINE_NUMBER } from '@polytene/protocol';
import type { App } from '../http/types.js';
import type { AppContext } from '../context.js';
import { ErrorResponse, IdParam } from '../http/schemas.js';
import { requireUser } from '../auth/guard.js';
import { loadProject } from '../projects/access.js';
import { AppError, notFound } from '../errors.js';
import { deploymentTopic } from '../deployments/transitions.js';
import { controlStatus } from '../runner-protocol/job-status.js';
import { readLines } from '../logs/store.js';
import { SseStream } from './sse-stream.js';

/** A comment line this often keeps proxies and browsers from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/** The most log lines one `log` event carries. */
export const LINES_PER_EVENT = 1_000;

const LineNumber = Type.Integer({ minimum: 0, maximum: MAX_LOG_LINE_NUMBER });
const EventsQuery = Type.Object({ after: Type.Optional(LineNumber) }, { additionalProperties: false });
const EventsHeaders = Type.Object({ 'last-event-id': Type.Optional(LineNumber) });

/**
 * One browser's live view of a deployment. Every bus notification for it (from any server process)
 * makes it re-read the database: first the status, then the lines after the last one sent, so the final
 * status always follows the last line. Sends `log` and `status` events and ends after a final status.
 */
class DeploymentStream extends SseStream {
  private cursor: number;
  private lastStatus: string | null = null;
  private pumping = false;
  private again = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly id: number,
    after: number,
    raw: ServerResponse,
  ) {
    super(raw, HEARTBEAT_MS);
    this.cursor = after;
  }

  start(onClose: () => void): void {
    this.onClosed(onClose);
    this.begin();
    this.onClosed(this.ctx.bus.subscribe(deploymentTopic(this.id), () => void this.pump()));
    void this.pump();
  }

  private async send(event: string, data: unknown, id?: number): Promise<void> {
    const frame = `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    if (this.raw.write(frame) || this.closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done).off('close', done);
        resolve();
      };
      this.raw.on('drain', done).on('close', done);
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        if (await this.sendNews()) return this.end();
      } while (this.again && !this.closed);
    } catch (error) {
      console.error(`[events] deployment ${this.id} stream failed:`, error);
      this.end();
    } finally {
      this.pumping = false;
    }
  }

  /** Sends what is new; true when the deployment has ended and everything was sent. */
  private async sendNews(): Promise<boolean> {
    const { db } = this.ctx;
    const deployment = await db
      .selectFrom('deployments')
      .select(['status', 'failure_reason', 'exit_code', 'cancel_requested_at', 'finished_at', 'last_log_n'])
      .where('id', '=', this.id)
      .executeTakeFirst();
    if (!deployment) return true;
    while (!this.closed && deployment.last_log_n > this.cursor) {
      const lines = await readLines(db, this.id, this.cursor, LINES_PER_EVENT);
      const last = lines.at(-1);
      if (!last) break;
      const event: LogEvent = { lines };
      await this.send('log', event, last.n);
      this.cursor = last.n;
    }
    const status = controlStatus(deployment);
    if (status !== this.lastStatus && !this.closed) {
      const event: StatusEvent = {
        status,
        failure_reason: deployment.failure_reason,
        exit_code: deployment.exit_code,
        finished_at: deployment.finished_at?.toISOString() ?? null,
      };
      await this.send('status', event);
      this.lastStatus = status;
    }
    return isFinalStatus(deployment.status);
  }
}

/** Live events of a deployment over Server-Sent Events (architecture.md §6). */
export async function eventRoutes(app: App): Promise<void> {
  const { ctx } = app;
  const streams = new Set<DeploymentStream>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get(
    '/api/v1/deployments/:id/events',
    {
      schema: {
        tags: ['deployments'],
        description:
          'Server-Sent Events: `log` ({lines}, id = last line number) for lines after Last-Event-ID or ' +
          '`after`, then live; `status` on each change (incl. `canceling`); ends after the final status.',
        params: IdParam,
        querystring: EventsQuery,
        headers: EventsHeaders,
        response: { 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const deployment = await ctx.db
        .selectFrom('deployments')
        .select(['id', 'project_id'])
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (!deployment) throw notFound('deployment');
      try {
        await loadProject(ctx.db, user, deployment.project_id, 'view');
      } catch (error) {
        if (error instanceof AppError && error.statusCode === 404) throw notFound('deployment');
        throw error;
      }
      const after = request.headers['last-event-id'] ?? request.query.after ?? 0;
      reply.hijack();
      const stream = new DeploymentStream(ctx, deployment.id, after, reply.raw);
      streams.add(stream);
      stream.start(() => streams.delete(stream));
    },
  );
}
