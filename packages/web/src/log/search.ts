/**
 * Log search done by the server (GET /deployments/:id/log/search), so the browser never needs the whole
 * log: the first page of hits as the reader types, more pages when stepping past the last one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { searchLog } from '../api/endpoints';
import { shownIn, type Stream, type StreamFilter } from './buffer';

/** Hits asked for per page. */
export const SEARCH_PAGE = 200;
/** Typing pauses this long before a search is sent. */
const DEBOUNCE_MS = 200;

export interface LogSearch {
  /** Line numbers of the hits found so far, shown under the filter, in order. */
  matches: number[];
  /** The log may hold more hits than `matches`. */
  more: boolean;
  searching: boolean;
  /** Reads the next page of hits. */
  loadMore: () => Promise<void>;
}

interface Hits {
  needle: string;
  lines: { n: number; stream: Stream }[];
  nextAfter: number | null;
}

/** `line` in a #L<number> URL fragment (a linked line), or null. */
export function lineOfHash(hash: string): number | null {
  const match = /^#L([1-9][0-9]{0,9})$/.exec(hash);
  return match ? Number(match[1]) : null;
}

export function useLogSearch(
  deploymentId: number,
  needle: string,
  filter: StreamFilter,
  onError: (error: unknown) => void,
): LogSearch {
  const [hits, setHits] = useState<Hits | null>(null);
  const [searching, setSearching] = useState(false);
  const current = useRef<Hits | null>(null);
  current.current = hits;

  useEffect(() => {
    setHits(null);
    if (!needle) return;
    const abort = new AbortController();
    setSearching(true);
    const timer = window.setTimeout(() => {
      searchLog(deploymentId, needle, 0, SEARCH_PAGE, abort.signal)
        .then((page) => setHits({ needle, lines: page.matches, nextAfter: page.next_after }))
        .catch((error: unknown) => {
          if (abort.signal.aborted) return;
          setHits({ needle, lines: [], nextAfter: null });
          onError(error);
        })
        .finally(() => abort.signal.aborted || setSearching(false));
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      abort.abort();
      setSearching(false);
    };
  }, [deploymentId, needle, onError]);

  const loadMore = useCallback(async () => {
    const before = current.current;
    if (!before || before.nextAfter === null) return;
    setSearching(true);
    try {
      const page = await searchLog(deploymentId, before.needle, before.nextAfter, SEARCH_PAGE);
      setHits((now) =>
        now === before
          ? { needle: now.needle, lines: [...now.lines, ...page.matches], nextAfter: page.next_after }
          : now,
      );
    } catch (error) {
      onError(error);
    } finally {
      setSearching(false);
    }
  }, [deploymentId, onError]);

  const lines = hits && hits.needle === needle ? hits.lines : [];
  return {
    matches: lines.filter((line) => shownIn(line.stream, filter)).map((line) => line.n),
    more: hits !== null && hits.nextAfter !== null,
    // Until the first page for this text is in, the answer is not "no match" yet.
    searching: searching || (needle !== '' && hits?.needle !== needle),
    loadMore,
  };
}
