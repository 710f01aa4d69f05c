import { EventEmitter } from 'node:events';
import pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** The one NOTIFY channel; payloads carry a topic such as `deployment:42` or `jobs`. */
export const EVENTS_CHANNEL = 'polytene_events';

export interface BusMessage {
  topic: string;
  data: Record<string, unknown>;
}

/**
 * Publishes an event through PostgreSQL NOTIFY. Called inside a transaction it is delivered at commit,
 * so listeners never see an event for data they cannot read yet. Every server process on the database
 * receives it.
 */
export async function publish(db: Db, topic: string, data: Record<string, unknown> = {}): Promise<void> {
  await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ topic, data })})`.execute(db);
}

/**
 * One LISTEN connection per process fanned out to in-process subscribers. When the connection is lost it
 * reconnects and emits `resync` on every topic, so subscribers re-read what they may have missed.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private client: pg.Client | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(private readonly connectionString: string) {
    this.emitter.setMaxListeners(0);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  subscribe(topic: string, handler: (data: Record<string, unknown>) => void): () => void {
    this.emitter.on(topic, handler);
    return () => this.emitter.off(topic, handler);
  }

  /** Hands an event to this process's subscribers only (state every process derives on its own). */
  emitLocal(topic: string, data: Record<string, unknown>): void {
    this.emitter.emit(topic, data);
  }

  listenerCount(topic: string): number {
    return this.emitter.listenerCount(topic);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (msg) => this.deliver(msg.payload));
    client.on('error', () => this.scheduleReconnect(client));
    client.on('end', () => this.scheduleReconnect(client));
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
  }

  private deliver(payload: string | undefined): void {
    if (!payload) return;
    let message: BusMessage;
    try {
      message = JSON.parse(payload) as BusMessage;
    } catch {
      return;
    }
    this.emitter.emit(message.topic, message.data);
  }

  private scheduleReconnect(client: pg.Client): void {
    if (this.closed || this.client !== client || this.reconnectTimer) return;
    this.client = null;
    const attempt = (delay: number): void => {
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (this.closed) return;
        this.connect()
          .then(() => {
            for (const topic of this.emitter.eventNames()) this.emitter.emit(topic, { resync: true });
          })
          .catch(() => attempt(Math.min(delay * 2, 5_000)));
      }, delay);
    };
    attempt(100);
  }
}
