/** Freeze windows as the API shows them (the bodies are in requests/freeze.ts). */
import { Type, type Static } from 'typebox';
import { FREEZE_KINDS } from '../enums.js';
import { DateTime, Nullable, NullableDateTime, UserRef } from './common.js';

/** One window; the fields of the other kind are null. Times are HH:MM wall-clock times in `time_zone`. */
export const FreezeWindowView = Type.Object({
  id: Type.Integer(),
  environment_id: Type.Integer(),
  kind: Type.Enum(FREEZE_KINDS),
  starts_weekday: Nullable(Type.Integer({ description: '0 = Sunday' })),
  starts_time: Nullable(Type.String()),
  ends_weekday: Nullable(Type.Integer()),
  ends_time: Nullable(Type.String()),
  time_zone: Nullable(Type.String()),
  starts_at: NullableDateTime,
  ends_at: NullableDateTime,
  reason: Nullable(Type.String()),
  created_by: Nullable(UserRef),
  created_at: DateTime,
});
export type FreezeWindowView = Static<typeof FreezeWindowView>;

/** An environment's windows, and when the freeze in force now ends (null: not frozen now). */
export const FreezeWindowList = Type.Object({
  freeze_windows: Type.Array(FreezeWindowView),
  frozen_until: NullableDateTime,
});
export type FreezeWindowList = Static<typeof FreezeWindowList>;

/** An admin's override of a freeze for one deployment. */
export const FreezeOverrideView = Type.Object({
  by: Nullable(UserRef),
  reason: Type.String(),
  at: DateTime,
});
export type FreezeOverrideView = Static<typeof FreezeOverrideView>;
