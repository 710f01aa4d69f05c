import type { ServerResponse } from 'node:http';
import type { ListSseEvent } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { User } from '../db/schema.js';
import type { Principal } from '../http/types.js';
import { visibleTo } from '../projects/access.js';
import { SseStream } from './sse-stream.js';
import { LISTS_TOPIC, type ListMessage, type ListScope } from './lists.js';

/** How long a stream trusts what it knows of its caller (visible projects, still enabled) before re-reading. */
export const VISIBILITY_TTL_MS = 5_000;

interface Caller {
  user: User;
  projects: Set<number>;
  readAt: number;
}

/**
 * One caller's stream of list events (GET /api/v1/events). Every bus message is checked against what the
 * caller may see: their visible project ids (admins: all) or the runners page rules, read once and again
 * after VISIBILITY_TTL_MS when an event arrives, so a membership change takes effect within seconds and
 * a quiet stream costs nothing. A disabled user or an ended session ends the stream at that check.
 */
export class ListStream extends SseStream {
  private caller: Caller;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: AppContext,
    private readonly principal: Principal,
    raw: ServerResponse,
    heartbeatMs: number,
    onClose: () => void,
  ) {
    super(raw, heartbeatMs);
    this.caller = { user: principal.user, projects: new Set(), readAt: 0 };
    this.onClosed(onClose);
  }

  /** Reads what the caller sees; before the reply is taken over, so a failure is an ordinary error answer. */
  async prepare(): Promise<void> {
    await this.refresh();
  }

  /** Starts the stream (after `reply.hijack()`). */
  open(): void {
    if (this.closed) return;
    this.begin();
    this.onClosed(this.ctx.bus.subscribe(LISTS_TOPIC, (data) => this.enqueue(data)));
  }

  private enqueue(data: Record<string, unknown>): void {
    this.chain = this.chain
      .then(() => this.offer(data))
      .catch((error: unknown) => {
        console.error('[events] list stream failed:', error);
        this.end();
      });
  }

  private async offer(data: Record<string, unknown>): Promise<void> {
    if (this.closed) return;
    if (data.resync === true) return this.send('resync', null);
    const message = data as unknown as ListMessage;
    if (Date.now() - this.caller.readAt > VISIBILITY_TTL_MS) await this.refresh();
    if (this.closed || !this.sees(message.scope)) return;
    this.send('change', message.event);
  }

  private sees(scope: ListScope): boolean {
    const { user, projects } = this.caller;
    if (user.role === 'admin') return true;
    if ('project_id' in scope) return projects.has(scope.project_id);
    return scope.runner.shared || scope.runner.owner_id === user.id;
  }

  /** Re-reads the caller: still enabled (and the session still open), and the projects they see. */
  private async refresh(): Promise<void> {
    const { db } = this.ctx;
    const user = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', this.principal.user.id)
      .executeTakeFirst();
    const { sessionId } = this.principal;
    const session =
      sessionId === undefined
        ? true
        : await db.selectFrom('sessions').select('id').where('id', '=', sessionId).executeTakeFirst();
    if (!user || user.disabled || !session) return this.end();
    const visible =
      user.role === 'admin'
        ? []
        : await db.selectFrom('projects').select('projects.id').where(visibleTo(user)).execute();
    this.caller = { user, projects: new Set(visible.map((p) => p.id)), readAt: Date.now() };
  }

  private send(event: ListSseEvent, data: unknown): void {
    if (this.closed) return;
    this.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }
}
