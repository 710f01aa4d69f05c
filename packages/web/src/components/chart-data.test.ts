import { describe, expect, it } from 'vitest';
import { fillDays, niceMax } from './chart-data';

describe('fillDays', () => {
  const today = new Date('2024-05-30T15:00:00Z');

  it('gives exactly N consecutive days ending today, missing days as zero', () => {
    const days = fillDays({ days: [{ date: '2024-05-29', succeeded: 3, failed: 1 }] }, 30, today);
    expect(days).toHaveLength(30);
    expect(days[0]?.day).toBe('2024-05-01');
    expect(days[29]).toEqual({ day: '2024-05-30', succeeded: 0, failed: 0 });
    expect(days[28]).toEqual({ day: '2024-05-29', succeeded: 3, failed: 1 });
  });

  it('ignores days outside the window and tolerates an empty answer', () => {
    expect(
      fillDays({ days: [{ date: '2023-01-01', succeeded: 9, failed: 9 }] }, 7, today).every(
        (d) => d.succeeded === 0,
      ),
    ).toBe(true);
    expect(fillDays(null, 7, today)).toHaveLength(7);
  });
});

describe('niceMax', () => {
  it('rounds up to 1, 2, 5 × a power of ten, at least 2 so the middle line is a whole number', () => {
    expect([0, 1, 3, 7, 12, 51, 480].map(niceMax)).toEqual([2, 2, 5, 10, 20, 100, 500]);
  });
});
