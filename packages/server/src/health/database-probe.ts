import pg from 'pg';

export const PROBE_TIMEOUT_MS = 2000;
export const PROBE_APPLICATION_NAME = 'polytene health probe';

export type DatabaseHealth = { ok: true } | { ok: false; reason: string };

interface ProbeConnection {
  client: pg.Client;
  connected: Promise<unknown>;
}

/**
 * Whether PostgreSQL answers `SELECT 1` within a short time, asked on a connection of its own: the pool
 * may be exhausted, or its connections stuck behind a frozen server. One probe runs at a time and callers
 * meanwhile share it. The connection is kept between probes; one that fails or does not answer in time
 * has its socket destroyed (not ended: a frozen server never acknowledges an end), so a server frozen
 * again and again leaves nothing open here.
 */
export class DatabaseProbe {
  private connection: ProbeConnection | null = null;
  private running: Promise<DatabaseHealth> | null = null;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    readonly timeoutMs = PROBE_TIMEOUT_MS,
  ) {}

  check(): Promise<DatabaseHealth> {
    this.running ??= this.probe().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Ends the kept connection: politely when the server answers, by destroying the socket otherwise. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    const connection = this.connection;
    this.connection = null;
    if (!connection) return;
    await this.withinTimeout(connection.client.end().catch(() => undefined));
    connection.client.connection.stream.destroy();
  }

  private async probe(): Promise<DatabaseHealth> {
    if (this.closed) return { ok: false, reason: 'the server is stopping' };
    const connection = (this.connection ??= this.open());
    const answered = await this.withinTimeout(
      connection.connected
        .then(() => connection.client.query('SELECT 1'))
        .then(
          () => true,
          () => false,
        ),
    );
    if (answered === true) return { ok: true };
    this.discard(connection);
    return answered === false
      ? { ok: false, reason: 'cannot be reached' }
      : { ok: false, reason: `did not answer within ${this.timeoutMs / 1000} s` };
  }

  private open(): ProbeConnection {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: PROBE_APPLICATION_NAME,
    });
    const connection: ProbeConnection = { client, connected: client.connect() };
    // A kept connection the server drops (restart, kill) is replaced at the next probe.
    client.on('error', () => this.discard(connection));
    client.on('end', () => this.discard(connection));
    return connection;
  }

  private discard(connection: ProbeConnection): void {
    if (this.connection === connection) this.connection = null;
    connection.client.connection.stream.destroy();
  }

  /** The work's result, or undefined when it took longer than the timeout. */
  private async withinTimeout<T>(work: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.timeoutMs);
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
