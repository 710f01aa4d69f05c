/** The sections of a deployment's log and which of them the reader collapsed (architecture.md §11). */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LogSectionView } from '@polytene/protocol';
import { getLogSections } from '../api/endpoints';
import { sectionsHolding } from './sections';

/** While lines arrive, the sections are read again at most this often. */
const REFRESH_MS = 2_000;

export interface LogSections {
  sections: readonly LogSectionView[];
  /** Start lines of the collapsed sections. */
  collapsed: ReadonlySet<number>;
  toggle: (startLine: number) => void;
  /** Expands the sections holding line `n` (a search hit or a linked line in one). */
  reveal: (n: number) => void;
}

/**
 * Reads the sections once and again (throttled) while the log grows (`size`); a section marked
 * `collapsed` starts collapsed, after that the reader decides.
 */
export function useLogSections(deploymentId: number, size: number): LogSections {
  const [sections, setSections] = useState<readonly LogSectionView[]>([]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(new Set());
  const seen = useRef(new Set<number>());
  const readAt = useRef<{ size: number; at: number } | null>(null);
  const abort = useRef(new AbortController());

  useEffect(() => {
    abort.current = new AbortController();
    const current = abort.current;
    return () => current.abort();
  }, [deploymentId]);

  useEffect(() => {
    const last = readAt.current;
    if (last && last.size === size) return;
    const wait = last ? Math.max(0, last.at + REFRESH_MS - Date.now()) : 0;
    const timer = window.setTimeout(() => {
      readAt.current = { size, at: Date.now() };
      const { signal } = abort.current;
      getLogSections(deploymentId, signal)
        .then(({ sections: read }) => {
          if (signal.aborted) return;
          const fresh = read.filter((s) => s.collapsed && !seen.current.has(s.start_line));
          for (const s of read) seen.current.add(s.start_line);
          setSections(read);
          if (fresh.length) setCollapsed((old) => new Set([...old, ...fresh.map((s) => s.start_line)]));
        })
        .catch(() => {
          // the next growth of the log or a reload reads them again
          if (!signal.aborted) readAt.current = null;
        });
    }, wait);
    return () => window.clearTimeout(timer);
  }, [deploymentId, size]);

  const toggle = useCallback((startLine: number) => {
    setCollapsed((old) => {
      const next = new Set(old);
      if (!next.delete(startLine)) next.add(startLine);
      return next;
    });
  }, []);

  const reveal = useCallback(
    (n: number) => {
      const holding = sectionsHolding(sections, n).filter((s) => collapsed.has(s.start_line));
      if (!holding.length) return;
      setCollapsed((old) => {
        const next = new Set(old);
        for (const s of holding) next.delete(s.start_line);
        return next;
      });
    },
    [sections, collapsed],
  );

  return { sections, collapsed, toggle, reveal };
}
