/** The freeze window form's state and body, and a window in words (components/FreezeWindows.tsx). */
import type { FreezeWindowCreateBody, FreezeWindowView } from '@polytene/protocol';
import type { FreezeKind } from '@polytene/protocol/enums';
import type { Translate } from '../i18n';
import { formatDateTime } from '../lib/format';

export const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6] as const;
export const dayName = (t: Translate, day: number | null) =>
  t(`weekday.${(day ?? 0) as (typeof WEEKDAYS)[number]}`);

/** A window in words, in the user's language. */
export function describeWindow(w: FreezeWindowView, t: Translate, locale: string): string {
  if (w.kind === 'once')
    return t('freeze.once', {
      start: formatDateTime(w.starts_at, locale),
      end: formatDateTime(w.ends_at, locale),
    });
  return t('freeze.recurring', {
    startDay: dayName(t, w.starts_weekday),
    startTime: w.starts_time ?? '',
    endDay: dayName(t, w.ends_weekday),
    endTime: w.ends_time ?? '',
    zone: w.time_zone ?? '',
  });
}

export interface FreezeForm {
  kind: FreezeKind;
  startsWeekday: number;
  startsTime: string;
  endsWeekday: number;
  endsTime: string;
  timeZone: string;
  startsAt: string;
  endsAt: string;
  reason: string;
}

export const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export const EMPTY_FREEZE_FORM: FreezeForm = {
  kind: 'recurring',
  startsWeekday: 5,
  startsTime: '16:00',
  endsWeekday: 1,
  endsTime: '08:00',
  timeZone: '',
  startsAt: '',
  endsAt: '',
  reason: '',
};

/** The body of a form: datetime-local inputs are read in the browser's time zone. */
export function toFreezeBody(form: FreezeForm): FreezeWindowCreateBody {
  const reason = form.reason.trim() ? { reason: form.reason.trim() } : {};
  if (form.kind === 'once') {
    const iso = (value: string) => (value ? new Date(value).toISOString() : '');
    return { kind: 'once', starts_at: iso(form.startsAt), ends_at: iso(form.endsAt), ...reason };
  }
  return {
    kind: 'recurring',
    starts_weekday: form.startsWeekday,
    starts_time: form.startsTime,
    ends_weekday: form.endsWeekday,
    ends_time: form.endsTime,
    time_zone: form.timeZone || localZone(),
    ...reason,
  };
}
