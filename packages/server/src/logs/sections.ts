import { mayBeMarker, SECTIONS_LISTED_MAX, SectionTracker, type LogSectionData } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { Deployment } from '../db/schema.js';
import type { StoredLine } from './codec.js';

/**
 * The sections of a deployment's log and its phase (architecture.md §6, "Sections and phases"), indexed
 * at ingest from the marker lines (`protocol/src/log-sections.ts`) inside the batch's transaction.
 */

/** The lines of a batch that may be markers: one cheap test per line, so most batches give none. */
export function markerLines(lines: readonly StoredLine[]): StoredLine[] {
  const found: StoredLine[] = [];
  for (const line of lines) if (mayBeMarker(line.text)) found.push(line);
  return found;
}

/**
 * Applies the marker lines numbered above `afterN` (the deployment's last line before this batch; the
 * caller holds its row lock, so each marker is applied exactly once, and a line filling a gap below it is
 * stored but not indexed): stores the sections they start or end and moves the phase. Answers the
 * deployment when its phase changed, for the caller to publish, else null.
 */
export async function indexSections(
  trx: Db,
  deploymentId: number,
  afterN: number,
  markers: readonly StoredLine[],
): Promise<Deployment | null> {
  const fresh = markers.filter((line) => line.n > afterN);
  if (fresh.length === 0) return null;
  const tracker = new SectionTracker(await openSections(trx, deploymentId));
  let phaseAt: number | null = null;
  for (const line of fresh) {
    const before = tracker.phase;
    const marker = tracker.feed(line.n, line.text);
    if (marker && tracker.phase !== before) phaseAt = line.t;
  }
  const changed = tracker.changed;
  if (changed.length > 0) {
    await trx
      .insertInto('log_sections')
      .values(
        changed.map(({ duration_seconds: _computed, ...section }) => ({
          deployment_id: deploymentId,
          ...section,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['deployment_id', 'start_line']).doUpdateSet((eb) => ({
          end_line: eb.ref('excluded.end_line'),
          ended_at: eb.ref('excluded.ended_at'),
        })),
      )
      .execute();
  }
  if (tracker.phase === null || phaseAt === null) return null;
  const updated = await trx
    .updateTable('deployments')
    .set({ phase: tracker.phase, phase_started_at: new Date(phaseAt) })
    .where('id', '=', deploymentId)
    .where((eb) => eb.or([eb('phase', 'is', null), eb('phase', '<>', tracker.phase!)]))
    .returningAll()
    .executeTakeFirst();
  return updated ?? null;
}

async function openSections(db: Db, deploymentId: number): Promise<LogSectionData[]> {
  const rows = await db
    .selectFrom('log_sections')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('end_line', 'is', null)
    .orderBy('start_line')
    .execute();
  return rows.map(sectionData);
}

/** The sections of a deployment's log by start line, the first SECTIONS_LISTED_MAX of them. */
export async function listSections(db: Db, deploymentId: number): Promise<LogSectionData[]> {
  const rows = await db
    .selectFrom('log_sections')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .orderBy('start_line')
    .limit(SECTIONS_LISTED_MAX)
    .execute();
  return rows.map(sectionData);
}

function sectionData(row: {
  name: string;
  header: string;
  start_line: number;
  end_line: number | null;
  started_at: Date;
  ended_at: Date | null;
  depth: number;
  collapsed: boolean;
}): LogSectionData {
  return {
    name: row.name,
    header: row.header,
    start_line: row.start_line,
    end_line: row.end_line,
    started_at: row.started_at.toISOString(),
    ended_at: row.ended_at?.toISOString() ?? null,
    duration_seconds:
      row.ended_at === null
        ? null
        : Math.max(0, Math.round((row.ended_at.getTime() - row.started_at.getTime()) / 1000)),
    depth: row.depth,
    collapsed: row.collapsed,
  };
}
