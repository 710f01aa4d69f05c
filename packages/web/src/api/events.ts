/**
 * Live lists: one shared EventSource on GET /api/v1/events for the whole page, opened while some list
 * listens and closed when the last one leaves. `useLiveList` refetches a list (debounced) when an event
 * it cares about arrives, and after a reconnect, when events may have been missed.
 */
import { useEffect, useRef } from 'react';
import type { ListEvent } from '@polytene/protocol';
import type { ListSseEvent } from '@polytene/protocol/enums';
import { openListEvents } from './endpoints';

/** A list event, or `resync`: anything may have changed. */
export type LiveSignal = ListEvent | 'resync';
export type LiveFilter = (event: ListEvent) => boolean;

/** How long a list waits after an event for more before it fetches again. */
export const REFETCH_DELAY_MS = 150;

const listeners = new Set<(signal: LiveSignal) => void>();
let source: EventSource | null = null;

function ensureSource(): void {
  if (source) return;
  const opened = openListEvents();
  let wasOpen = false;
  opened.addEventListener('open', () => {
    if (wasOpen) emit('resync'); // a reconnect: what happened meanwhile was not sent
    wasOpen = true;
  });
  const names: Record<ListSseEvent, (event: MessageEvent<string>) => void> = {
    change: (event) => emit(JSON.parse(event.data) as ListEvent),
    resync: () => emit('resync'),
  };
  for (const [name, handle] of Object.entries(names))
    opened.addEventListener(name, (event) => handle(event as MessageEvent<string>));
  source = opened;
}

function emit(signal: LiveSignal): void {
  for (const listener of [...listeners]) listener(signal);
}

/** Calls `listener` for every list event until the returned function is called. */
export function subscribeLive(listener: (signal: LiveSignal) => void): () => void {
  listeners.add(listener);
  ensureSource();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && source) {
      source.close();
      source = null;
    }
  };
}

/** Events about one project. */
export const inProject =
  (projectId: number): LiveFilter =>
  (event) =>
    'project_id' in event && event.project_id === projectId;

/** Events of some kinds. */
export const ofKind =
  (...kinds: ListEvent['kind'][]): LiveFilter =>
  (event) =>
    kinds.includes(event.kind);

/** Both filters. */
export const both =
  (a: LiveFilter, b: LiveFilter): LiveFilter =>
  (event) =>
    a(event) && b(event);

/**
 * Calls `refetch` shortly after an event `filter` accepts (several in a row make one refetch), and
 * after a reconnect. The latest `filter` and `refetch` are used; neither needs to be memoised.
 */
export function useLiveList(filter: LiveFilter, refetch: () => void, delayMs = REFETCH_DELAY_MS): void {
  const latest = useRef({ filter, refetch });
  latest.current = { filter, refetch };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = subscribeLive((signal) => {
      if (signal !== 'resync' && !latest.current.filter(signal)) return;
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        latest.current.refetch();
      }, delayMs);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [delayMs]);
}
