/** The collapsible sections of a deployment's log (GET /deployments/:id/sections). */
import { Type, type Static } from 'typebox';
import { DateTime, ListOf, Nullable, NullableDateTime } from './common.js';

/** One section: `LogSectionData` of log-sections.ts, the parser that finds them (its test checks they are one type). */
export const LogSectionView = Type.Object({
  name: Type.String(),
  header: Type.String({ description: 'plain text; the name when the marker had no header' }),
  start_line: Type.Integer({ description: 'the line of its section_start marker' }),
  end_line: Nullable(Type.Integer({ description: 'the line of its section_end marker; null while open' })),
  started_at: DateTime,
  ended_at: NullableDateTime,
  duration_seconds: Nullable(Type.Integer()),
  depth: Type.Integer({ description: '0 for a section in no other' }),
  collapsed: Type.Boolean({ description: 'the marker asked for it to be shown collapsed' }),
});
export type LogSectionView = Static<typeof LogSectionView>;

export const LogSectionList = ListOf('sections', LogSectionView);
export type LogSectionList = Static<typeof LogSectionList>;
