/** The virtualised log: only the visible rows exist in the DOM, whatever the log's length. */
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type ReactNode,
} from 'react';
import { parseAnsi, xterm256, type AnsiSegment, type AnsiStyle } from './ansi';
import { shownIn, type LogBuffer, type StreamFilter } from './buffer';
import { SectionHead } from './SectionHead';
import { RowMap, hiddenRanges, sectionMarker, type LineRange } from './sections';
import { useLogSections } from './useLogSections';
import { DEFAULT_MAX_SCROLL_HEIGHT, isAtBottom, scrollTopToReveal, visibleWindow } from './viewport';
import { formatClock } from '../lib/format';
import { useT } from '../i18n';

export const ROW_HEIGHT = 20;
const OVERSCAN = 20;

function colour(value: number | string | null): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return value;
  return value < 16 ? `var(--ansi-${value})` : xterm256(value);
}

function styleOf(style: AnsiStyle): CSSProperties {
  const fg = colour(style.inverse ? style.bg : style.fg);
  const bg = colour(style.inverse ? style.fg : style.bg);
  return {
    color: fg ?? (style.inverse ? 'var(--log-bg)' : undefined),
    background: bg ?? (style.inverse ? 'var(--log-fg)' : undefined),
    fontWeight: style.bold ? 700 : undefined,
    opacity: style.dim ? 0.7 : undefined,
    fontStyle: style.italic ? 'italic' : undefined,
    textDecoration: style.underline ? 'underline' : undefined,
  };
}

/** Splits text around case-insensitive occurrences of `needle`, marking them. */
function highlight(text: string, needle: string, key: string) {
  if (!needle) return text;
  const lower = text.toLowerCase();
  const parts: ReactNode[] = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(<mark key={`${key}-${at}`}>{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
  }
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

function Segments({ segments, needle }: { segments: AnsiSegment[]; needle: string }) {
  return (
    <>
      {segments.map((segment, i) =>
        segment.style ? (
          <span key={i} style={styleOf(segment.style)}>
            {highlight(segment.text, needle, String(i))}
          </span>
        ) : (
          <span key={i}>{highlight(segment.text, needle, String(i))}</span>
        ),
      )}
    </>
  );
}

const Row = memo(function Row({
  n,
  stream,
  t,
  text,
  current,
  dim,
  needle,
  top,
  onNumber,
  section,
}: {
  n: number;
  stream: string | null;
  t: string;
  text: string | null;
  current: boolean;
  /** Of a stream the filter hides, in a log too long to filter exactly. */
  dim: boolean;
  needle: string;
  top: number;
  onNumber: (n: number) => void;
  /** A section marker line is shown as its header (a start) or as nothing (an end), never raw. */
  section: ReactNode;
}) {
  return (
    <div
      className={`log-row${stream === 'stderr' ? ' log-stderr' : ''}${stream === 'system' ? ' log-system' : ''}${current ? ' log-current' : ''}${dim ? ' log-dim' : ''}`}
      style={{ top }}
      data-n={n}
    >
      <a
        className="log-n"
        href={`#L${n}`}
        onClick={(event) => {
          event.preventDefault();
          onNumber(n);
        }}
      >
        {n}
      </a>
      <span className="log-t">{t ? formatClock(t) : ''}</span>
      <span className="log-mark" aria-hidden="true">
        {stream === 'stderr' ? '!' : ''}
      </span>
      <span className="log-text">
        {section ? (
          section
        ) : text === null ? (
          <span className="log-hole">…</span>
        ) : (
          <Segments segments={parseAnsi(text)} needle={needle} />
        )}
      </span>
    </div>
  );
});

interface LogViewProps {
  buffer: LogBuffer;
  version: number;
  filter: StreamFilter;
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  needle: string;
  /** Line number to bring into view and mark (a search hit, a linked line). */
  focusLine: number | null;
  /** The reader clicked this line's number (to link to it). */
  onLineClick: (n: number) => void;
  /** Lines `first`..`last` but the `hidden` ones are on screen (with the overscan): the controller loads them. */
  onRange: ShowLines;
  /** Whose log: its sections are read for the view to collapse them. */
  deploymentId: number;
}

export type ShowLines = (first: number, last: number, hidden?: readonly LineRange[]) => void;

export function LogView({
  buffer,
  version,
  filter,
  follow,
  onFollowChange,
  needle,
  focusLine,
  onLineClick,
  onRange,
  deploymentId,
}: LogViewProps) {
  const t = useT();
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const rows = buffer.rows(filter);
  const { sections, collapsed, toggle, reveal } = useLogSections(deploymentId, buffer.size);
  const hidden = useMemo(
    () => hiddenRanges(sections, collapsed, buffer.size),
    [sections, collapsed, buffer.size],
  );
  const map = useMemo(() => new RowMap(hidden, buffer.size, rows), [hidden, buffer.size, rows]);
  const sectionAt = useMemo(() => new Map(sections.map((s) => [s.start_line, s])), [sections]);
  const rowCount = map.count;
  const geometry = {
    rowCount,
    rowHeight: ROW_HEIGHT,
    viewportHeight: height,
    maxScrollHeight: DEFAULT_MAX_SCROLL_HEIGHT,
  };

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    setHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  /** Where our own last jump (following the tail, a search hit) left scrollTop; null once the reader scrolls. */
  const ownScroll = useRef<number | null>(null);
  /** scrollTop as we last set or saw it: a different value means the reader moved, not yet told by an event. */
  const knownTop = useRef(0);

  const scrollTo = useCallback((top: number) => {
    const element = scroller.current;
    if (!element) return;
    element.scrollTop = top;
    ownScroll.current = element.scrollTop;
    knownTop.current = element.scrollTop;
    setScrollTop(element.scrollTop);
  }, []);

  // Follow the tail: after every change, stick to the bottom, unless the reader has just scrolled away and
  // the browser has not dispatched that scroll event yet (lines arriving in between took the view back).
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!follow || !element) return;
    if (Math.abs(element.scrollTop - knownTop.current) >= 1) return;
    scrollTo(Number.MAX_SAFE_INTEGER);
  }, [follow, version, rowCount, height, scrollTo]);

  /** The line clicked last: marking it must not move the view. */
  const clicked = useRef<number | null>(null);
  const onNumber = useCallback(
    (n: number) => {
      clicked.current = n;
      onLineClick(n);
    },
    [onLineClick],
  );
  /** The jump done last (line and filter), so new lines do not jump again. */
  const jumped = useRef('');
  useEffect(() => {
    if (focusLine === null) return;
    const key = `${focusLine}/${filter}`;
    if (jumped.current === key) return;
    if (clicked.current === focusLine) {
      jumped.current = key;
      return;
    }
    const row = map.rowOf(focusLine);
    // A line in a collapsed section: open it, then jump (the row count changes).
    if (row < 0 && map.isHidden(focusLine)) reveal(focusLine);
    // A linked line past the lines known yet: jump once the log is known to be that long.
    if (row < 0 || row >= rowCount) return;
    jumped.current = key;
    onFollowChange(false);
    scrollTo(scrollTopToReveal(row, geometry));
    // Jump when the wanted line or the filter changes (or the line first exists), not on every new line.
  }, [focusLine, filter, rowCount]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    setScrollTop(element.scrollTop);
    knownTop.current = element.scrollTop;
    // The scroll event of our own jump is not the reader moving, so it neither starts nor stops following:
    // a search hit on the last screen lands at the bottom, and taking that for "back at the tail" ended the
    // search it was showing.
    const own = ownScroll.current !== null && Math.abs(element.scrollTop - ownScroll.current) < 1;
    ownScroll.current = null;
    if (own) return;
    const atBottom = isAtBottom(element.scrollTop, element.scrollHeight, element.clientHeight);
    if (atBottom !== follow) onFollowChange(atBottom);
  };

  const view = visibleWindow({ ...geometry, scrollTop, overscan: OVERSCAN });
  const lineAt = (r: number) => map.lineAt(r);
  const firstShown = view.end > view.first ? lineAt(view.first) : 1;
  const lastShown = view.end > view.first ? lineAt(view.end - 1) : 1;
  const hiddenShown = map.hiddenWithin(firstShown, lastShown);
  const hiddenKey = hiddenShown.map(([a, b]) => `${a}-${b}`).join(',');
  useEffect(() => {
    onRange(firstShown, lastShown, hiddenShown);
    // hiddenShown is new every render; its key says when it changed.
  }, [firstShown, lastShown, hiddenKey, onRange]);
  const dimOthers = filter !== 'all' && rows === null;
  const rendered: ReactNode[] = [];
  for (let r = view.first; r < view.end; r++) {
    const n = lineAt(r);
    const line = buffer.line(n);
    const known = sectionAt.get(n);
    const marker = line ? sectionMarker(line.text) : null;
    rendered.push(
      <Row
        key={n}
        n={n}
        stream={line?.stream ?? null}
        t={line?.t ?? ''}
        text={line?.text ?? null}
        current={n === focusLine}
        dim={dimOthers && line !== null && !shownIn(line.stream, filter)}
        needle={needle}
        top={view.offset + (r - view.first) * ROW_HEIGHT}
        onNumber={onNumber}
        section={
          known || marker?.kind === 'start' ? (
            <SectionHead
              n={n}
              section={known}
              marker={marker}
              collapsed={collapsed.has(n)}
              onToggle={toggle}
            />
          ) : marker?.kind === 'end' ? (
            <span className="log-section-end" />
          ) : null
        }
      />,
    );
  }

  return (
    <div
      ref={scroller}
      className="log-scroller"
      onScroll={onScroll}
      tabIndex={0}
      role="log"
      aria-label={t('deployment.log')}
      aria-live="off"
      data-testid="log"
      data-rows={rowCount}
    >
      <div className="log-spacer" style={{ height: Math.max(view.scrollHeight, 1) }}>
        {rendered}
      </div>
      {rowCount === 0 && <p className="log-empty">{t('deployment.noLines')}</p>}
    </div>
  );
}
