import { describe, expect, it } from 'vitest';
import type { FreezeWindowView } from '@polytene/protocol';
import { translator } from '../i18n/translate';
import { EMPTY_FREEZE_FORM, describeWindow, toFreezeBody } from './freeze-form';

const window: FreezeWindowView = {
  id: 1,
  environment_id: 2,
  kind: 'recurring',
  starts_weekday: 5,
  starts_time: '16:00',
  ends_weekday: 1,
  ends_time: '08:00',
  time_zone: 'Europe/Warsaw',
  starts_at: null,
  ends_at: null,
  reason: null,
  created_by: null,
  created_at: '2026-01-01T00:00:00Z',
};

describe('a freeze window in words', () => {
  it('says a recurring window with its days, times and zone, in English and Polish', () => {
    expect(describeWindow(window, translator('en'), 'en')).toBe(
      'every Friday 16:00 – Monday 08:00 (Europe/Warsaw)',
    );
    expect(describeWindow(window, translator('pl'), 'pl')).toBe(
      'co tydzień: piątek 16:00 – poniedziałek 08:00 (Europe/Warsaw)',
    );
  });

  it('says a once window from its start to its end', () => {
    const once = {
      ...window,
      kind: 'once' as const,
      starts_at: '2026-12-20T10:00:00Z',
      ends_at: '2027-01-04T08:00:00Z',
    };
    expect(describeWindow(once, translator('en'), 'en')).toMatch(/^from .*2026.* to .*2027/);
  });
});

describe('the body of the freeze window form', () => {
  it('sends a recurring window with the browser zone when none is typed, and no reason when blank', () => {
    const body = toFreezeBody({ ...EMPTY_FREEZE_FORM, reason: '  ' });
    expect(body).toMatchObject({
      kind: 'recurring',
      starts_weekday: 5,
      starts_time: '16:00',
      ends_weekday: 1,
    });
    expect(body.time_zone).toBeTruthy();
    expect(body).not.toHaveProperty('reason');
    expect(body).not.toHaveProperty('starts_at');
  });

  it('sends a once window as instants and only its fields', () => {
    const body = toFreezeBody({
      ...EMPTY_FREEZE_FORM,
      kind: 'once',
      startsAt: '2026-12-20T10:00',
      endsAt: '2026-12-21T10:00',
      reason: 'holidays',
    });
    expect(Object.keys(body).sort()).toEqual(['ends_at', 'kind', 'reason', 'starts_at']);
    expect(Date.parse(body.ends_at!) - Date.parse(body.starts_at!)).toBe(86_400_000);
  });
});
