/** Turns the stats API answer into exactly `days` consecutive days ending today (missing days are zero). */
import type { DeploymentStats } from '@polytene/protocol';

/** One bar of the chart. */
export interface DayStat {
  day: string;
  succeeded: number;
  failed: number;
}

type StatsDay = DeploymentStats['days'][number];

function dayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function fillDays(stats: DeploymentStats | null, days: number, today = new Date()): DayStat[] {
  const byDay = new Map<string, StatsDay>();
  for (const entry of stats?.days ?? []) byDay.set(entry.date.slice(0, 10), entry);
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const out: DayStat[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const key = dayKey(new Date(end - i * 86_400_000));
    const entry = byDay.get(key);
    out.push({ day: key, succeeded: entry?.succeeded ?? 0, failed: entry?.failed ?? 0 });
  }
  return out;
}

/** A round, even upper bound for the y axis (2, 5→10 halves cleanly: 2, 10, 20, 50, …). */
export function niceMax(value: number): number {
  if (value <= 2) return 2;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
