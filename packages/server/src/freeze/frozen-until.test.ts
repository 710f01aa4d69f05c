import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestServer } from '../test-support/server.js';
import { insertProject } from '../test-support/fixtures.js';

const server = useTestServer();
let environmentId: number;

beforeEach(async () => {
  const { project } = await insertProject(server);
  const env = await server.ctx.db
    .insertInto('environments')
    .values({ project_id: project.id, name: 'production' })
    .returning('id')
    .executeTakeFirstOrThrow();
  environmentId = env.id;
});

/** Every Friday 16:00 to Monday 08:00 (or as given), wall-clock time in Europe/Warsaw. */
async function recurring(
  starts: [number, string] = [5, '16:00'],
  ends: [number, string] = [1, '08:00'],
  zone = 'Europe/Warsaw',
) {
  await server.ctx.db
    .insertInto('freeze_windows')
    .values({
      environment_id: environmentId,
      kind: 'recurring',
      starts_weekday: starts[0],
      starts_time: starts[1],
      ends_weekday: ends[0],
      ends_time: ends[1],
      time_zone: zone,
    })
    .execute();
}

async function once(startsAt: string, endsAt: string) {
  await server.ctx.db
    .insertInto('freeze_windows')
    .values({ environment_id: environmentId, kind: 'once', starts_at: startsAt, ends_at: endsAt })
    .execute();
}

/** environment_frozen_until at `instant`, as an ISO string (null: not frozen). */
async function frozenUntil(instant: string): Promise<string | null> {
  const { rows } = await sql<{ until: Date | null }>`
    SELECT environment_frozen_until(${environmentId}, ${instant}::timestamptz) AS until`.execute(
    server.ctx.db,
  );
  return rows[0]?.until?.toISOString() ?? null;
}

describe('environment_frozen_until', () => {
  it('is null for an environment without windows', async () => {
    expect(await frozenUntil('2026-03-27T15:30:00Z')).toBeNull();
  });

  it('follows wall-clock time over the March DST change: Friday 16:00 CET to Monday 08:00 CEST', async () => {
    await recurring();
    // Friday 27 March 2026 is still CET (UTC+1): the freeze starts at 15:00 UTC.
    expect(await frozenUntil('2026-03-27T14:59:59Z')).toBeNull();
    expect(await frozenUntil('2026-03-27T15:00:00Z')).toBe('2026-03-30T06:00:00.000Z');
    // Clocks go forward on Sunday 29 March; Monday 08:00 CEST is 06:00 UTC.
    expect(await frozenUntil('2026-03-29T12:00:00Z')).toBe('2026-03-30T06:00:00.000Z');
    expect(await frozenUntil('2026-03-30T05:59:59Z')).toBe('2026-03-30T06:00:00.000Z');
    expect(await frozenUntil('2026-03-30T06:00:00Z')).toBeNull();
  });

  it('follows wall-clock time over the October DST change: Friday 16:00 CEST to Monday 08:00 CET', async () => {
    await recurring();
    expect(await frozenUntil('2026-10-23T13:59:00Z')).toBeNull();
    expect(await frozenUntil('2026-10-23T14:00:00Z')).toBe('2026-10-26T07:00:00.000Z');
    // Clocks go back on Sunday 25 October; Monday 08:00 CET is 07:00 UTC, so 06:30 UTC is still frozen.
    expect(await frozenUntil('2026-10-26T06:30:00Z')).toBe('2026-10-26T07:00:00.000Z');
    expect(await frozenUntil('2026-10-26T07:00:00Z')).toBeNull();
  });

  it('wraps the week end in the window zone, also seen from a UTC instant on another weekday', async () => {
    // Saturday 22:00 to Sunday 02:00 in Tokyo (UTC+9): Saturday 13:00 to 17:00 UTC.
    await recurring([6, '22:00'], [0, '02:00'], 'Asia/Tokyo');
    expect(await frozenUntil('2026-06-06T12:59:00Z')).toBeNull();
    expect(await frozenUntil('2026-06-06T16:00:00Z')).toBe('2026-06-06T17:00:00.000Z');
    // Sunday 01:00 in Tokyo is Saturday 16:00 UTC; a window Sunday 23:00 to Monday 01:00 UTC wraps too.
    await recurring([0, '23:00'], [1, '01:00'], 'UTC');
    expect(await frozenUntil('2026-06-08T00:30:00Z')).toBe('2026-06-08T01:00:00.000Z');
  });

  it('covers a once window from its start up to (not including) its end', async () => {
    await once('2026-12-20T00:00:00Z', '2027-01-04T08:00:00Z');
    expect(await frozenUntil('2026-12-19T23:59:59Z')).toBeNull();
    expect(await frozenUntil('2026-12-20T00:00:00Z')).toBe('2027-01-04T08:00:00.000Z');
    expect(await frozenUntil('2027-01-04T08:00:00Z')).toBeNull();
  });

  it('follows overlapping and adjacent windows to the real end of the freeze', async () => {
    // Friday 16:00 Warsaw to Monday 08:00, then a once window from Monday 07:00 UTC to Tuesday, then one
    // that starts exactly when that ends.
    await recurring();
    await once('2026-06-15T05:00:00Z', '2026-06-16T10:00:00Z');
    await once('2026-06-16T10:00:00Z', '2026-06-17T12:00:00Z');
    expect(await frozenUntil('2026-06-13T12:00:00Z')).toBe('2026-06-17T12:00:00.000Z');
    expect(await frozenUntil('2026-06-16T09:00:00Z')).toBe('2026-06-17T12:00:00.000Z');
    expect(await frozenUntil('2026-06-17T12:00:00Z')).toBeNull();
  });

  it('refuses a window whose fields do not fit its kind, or that ends before it starts', async () => {
    const insert = (values: Record<string, unknown>) =>
      server.ctx.db
        .insertInto('freeze_windows')
        .values({ environment_id: environmentId, kind: 'once', ...values })
        .execute();
    await expect(
      insert({ starts_at: '2026-01-02T00:00:00Z', ends_at: '2026-01-01T00:00:00Z' }),
    ).rejects.toThrow(/freeze_windows_once_fields/);
    await expect(insert({ kind: 'recurring', starts_weekday: 5, starts_time: '16:00' })).rejects.toThrow(
      /freeze_windows_recurring_fields/,
    );
  });
});
