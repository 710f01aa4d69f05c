/** Bodies of freeze windows and of an admin's override of a freeze (docs/architecture.md, "Freeze windows"). */
import { Type, type Static } from 'typebox';
import { FREEZE_KINDS } from '../enums.js';
import { FREEZE_LIMITS as L } from '../limits.js';

const Weekday = Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday, 6 = Saturday' });
const WallTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24-hour' });

/**
 * A new freeze window. `recurring` needs the weekdays, times and `time_zone` (an IANA name such as
 * Europe/Warsaw; the times are wall-clock times there); `once` needs `starts_at` before `ends_at`.
 */
export const FreezeWindowCreateBody = Type.Object(
  {
    kind: Type.Enum(FREEZE_KINDS),
    starts_weekday: Type.Optional(Weekday),
    starts_time: Type.Optional(WallTime),
    ends_weekday: Type.Optional(Weekday),
    ends_time: Type.Optional(WallTime),
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: L.time_zone.maxLength })),
    starts_at: Type.Optional(Type.String({ format: 'date-time' })),
    ends_at: Type.Optional(Type.String({ format: 'date-time' })),
    reason: Type.Optional(Type.String({ maxLength: L.reason.maxLength })),
  },
  { additionalProperties: false },
);
export type FreezeWindowCreateBody = Static<typeof FreezeWindowCreateBody>;

/** An admin deploys during a freeze: why, in words kept with the deployment and in the audit log. */
export const FreezeOverrideBody = Type.Object(
  { reason: Type.String({ maxLength: L.reason.maxLength }) },
  { additionalProperties: false },
);
export type FreezeOverrideBody = Static<typeof FreezeOverrideBody>;

/** Changes to a window; its kind stays. An empty `reason` clears it. */
export const FreezeWindowUpdateBody = Type.Partial(Type.Omit(FreezeWindowCreateBody, ['kind']), {
  additionalProperties: false,
});
export type FreezeWindowUpdateBody = Static<typeof FreezeWindowUpdateBody>;
