import { describe, expect, it } from 'vitest';
import { isAtBottom, scrollTopToReveal, visibleWindow } from './viewport';

const base = { rowHeight: 20, viewportHeight: 400, overscan: 0, maxScrollHeight: 8_000_000 };

describe('visibleWindow', () => {
  it('renders only the rows in view, plus overscan', () => {
    const view = visibleWindow({ ...base, rowCount: 1000, scrollTop: 2000, overscan: 5 });
    expect(view.scrollHeight).toBe(20_000);
    expect(view.first).toBe(95);
    expect(view.end).toBe(100 + 21 + 5);
    // the first visible row (100) sits exactly at scrollTop
    expect(view.offset + (100 - view.first) * 20).toBe(2000);
  });

  it('clamps at both ends', () => {
    expect(visibleWindow({ ...base, rowCount: 10, scrollTop: 0 })).toMatchObject({
      first: 0,
      end: 10,
      offset: 0,
    });
    const bottom = visibleWindow({ ...base, rowCount: 1000, scrollTop: 1e9 });
    expect(bottom.end).toBe(1000);
  });

  it('scales a million rows into a scroll height browsers accept, reaching the last row at the bottom', () => {
    const rowCount = 1_000_000;
    const maxTop = 8_000_000 - 400;
    const view = visibleWindow({ ...base, rowCount, scrollTop: maxTop });
    expect(view.scrollHeight).toBe(8_000_000);
    expect(view.end).toBe(rowCount);
    // the last row's bottom edge lands on the viewport's bottom edge
    const lastTop = view.offset + (rowCount - 1 - view.first) * 20;
    expect(lastTop + 20).toBeCloseTo(maxTop + 400, 6);
  });

  it('keeps the window small whatever the size', () => {
    const view = visibleWindow({ ...base, rowCount: 1_000_000, scrollTop: 3_333_333, overscan: 20 });
    expect(view.end - view.first).toBeLessThanOrEqual(21 + 40 + 1);
  });
});

/** Where row `index` lands on screen (px from the viewport's top edge) when scrolled to `scrollTop`. */
function rowTopOnScreen(
  index: number,
  geometry: { rowCount: number; rowHeight: number; viewportHeight: number; maxScrollHeight: number },
  scrollTop: number,
): number {
  const view = visibleWindow({ ...geometry, scrollTop, overscan: 0 });
  const clamped = Math.max(0, Math.min(scrollTop, view.scrollHeight - geometry.viewportHeight));
  return view.offset + (index - view.first) * geometry.rowHeight - clamped;
}

describe('scrollTopToReveal', () => {
  // 500 px: the log's height in a 1280×860 window, as in the bug report (a 240-line log, its last line).
  const cases = [
    { rowCount: 240, viewportHeight: 500, rows: [0, 1, 100, 200, 220, 230, 238, 239] },
    { rowCount: 30, viewportHeight: 500, rows: [0, 15, 29] },
    { rowCount: 1000, viewportHeight: 400, rows: [0, 500, 990, 999] },
    { rowCount: 1_000_000, viewportHeight: 400, rows: [0, 1, 500_000, 999_990, 999_999] },
    { rowCount: 5_000_000, viewportHeight: 400, rows: [0, 2_500_000, 4_999_999] },
  ];
  for (const { rowCount, viewportHeight, rows } of cases) {
    it(`puts the wanted row wholly inside the viewport (${rowCount} rows, ${viewportHeight} px)`, () => {
      const geometry = { rowCount, rowHeight: 20, viewportHeight, maxScrollHeight: 8_000_000 };
      for (const index of rows) {
        const top = rowTopOnScreen(index, geometry, scrollTopToReveal(index, geometry));
        expect(top, `row ${index} top`).toBeGreaterThanOrEqual(-1e-6);
        expect(top + 20, `row ${index} bottom`).toBeLessThanOrEqual(viewportHeight + 1e-6);
      }
    });
  }

  it('puts a row a third of the way down when the log has room above and below it', () => {
    const geometry = { rowCount: 1000, rowHeight: 20, viewportHeight: 600, maxScrollHeight: 8_000_000 };
    expect(rowTopOnScreen(500, geometry, scrollTopToReveal(500, geometry))).toBeCloseTo(200, 6);
    const scaled = { ...geometry, rowCount: 1_000_000 };
    expect(rowTopOnScreen(500_000, scaled, scrollTopToReveal(500_000, scaled))).toBeCloseTo(200, 0);
  });
});

describe('isAtBottom', () => {
  it('allows a few pixels of slack', () => {
    expect(isAtBottom(598, 1000, 400)).toBe(true);
    expect(isAtBottom(500, 1000, 400)).toBe(false);
  });
});
