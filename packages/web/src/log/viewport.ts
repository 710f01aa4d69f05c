/**
 * Virtual scrolling maths. Browsers cap an element's height (Firefox near 17.9 million px), so a log of
 * 1,000,000 rows × 20 px cannot be one tall element: above `maxScrollHeight` the scrollbar is scaled and
 * the rendered rows are placed where the scaled position says.
 */
export interface ViewportInput {
  rowCount: number;
  rowHeight: number;
  viewportHeight: number;
  scrollTop: number;
  /** Extra rows rendered above and below the visible ones. */
  overscan: number;
  maxScrollHeight: number;
}

export interface ViewportWindow {
  /** Height of the scrolling spacer element. */
  scrollHeight: number;
  /** First and last (exclusive) row indexes to render. */
  first: number;
  end: number;
  /** `top` (px, within the spacer) of the first rendered row. */
  offset: number;
}

export const DEFAULT_MAX_SCROLL_HEIGHT = 8_000_000;

export function scrollHeightFor(rowCount: number, rowHeight: number, maxScrollHeight: number): number {
  return Math.min(rowCount * rowHeight, maxScrollHeight);
}

/** Real (unscaled) pixels per scrolled pixel: 1 when the log fits, more when it had to be scaled. */
function scale(input: Omit<ViewportInput, 'scrollTop' | 'overscan'>): number {
  const full = input.rowCount * input.rowHeight;
  const shown = scrollHeightFor(input.rowCount, input.rowHeight, input.maxScrollHeight);
  if (full <= shown || shown <= input.viewportHeight) return 1;
  return (full - input.viewportHeight) / (shown - input.viewportHeight);
}

export function visibleWindow(input: ViewportInput): ViewportWindow {
  const { rowCount, rowHeight, viewportHeight, overscan } = input;
  const scrollHeight = scrollHeightFor(rowCount, rowHeight, input.maxScrollHeight);
  const maxTop = Math.max(0, scrollHeight - viewportHeight);
  const scrollTop = Math.max(0, Math.min(input.scrollTop, maxTop));
  const virtualTop = scrollTop * scale(input);
  const firstVisible = Math.floor(virtualTop / rowHeight);
  const first = Math.max(0, firstVisible - overscan);
  const visibleCount = Math.ceil(viewportHeight / rowHeight) + 1;
  const end = Math.min(rowCount, firstVisible + visibleCount + overscan);
  // The first visible row's top edge lands at scrollTop minus how far the virtual top is into it.
  const offset = scrollTop - (virtualTop - firstVisible * rowHeight) - (firstVisible - first) * rowHeight;
  return { scrollHeight, first, end, offset };
}

/**
 * The scrollTop for a search hit: row `index` a third of the way down the viewport, or as near as the scroll
 * range allows. The third is taken off before clamping (clamping first and then moving up by a third pushed
 * the last rows below the bottom edge) and in unscaled pixels (above `maxScrollHeight` one scrolled pixel is
 * several rows' worth).
 */
export function scrollTopToReveal(
  index: number,
  input: Omit<ViewportInput, 'scrollTop' | 'overscan'>,
  fraction = 1 / 3,
): number {
  const scrollHeight = scrollHeightFor(input.rowCount, input.rowHeight, input.maxScrollHeight);
  const maxTop = Math.max(0, scrollHeight - input.viewportHeight);
  const virtualTop = index * input.rowHeight - input.viewportHeight * fraction;
  return Math.max(0, Math.min(maxTop, virtualTop / scale(input)));
}

/** Within `slack` px of the bottom counts as "at the tail" (the view keeps following new lines). */
export function isAtBottom(
  scrollTop: number,
  scrollHeight: number,
  viewportHeight: number,
  slack = 4,
): boolean {
  return scrollTop + viewportHeight >= scrollHeight - slack;
}
