/** One shared clock for relative times ("2 minutes ago"): every subscriber re-renders on its tick. */
import { useSyncExternalStore } from 'react';

export const NOW_TICK_MS = 30_000;

let now = Date.now();
const subscribers = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(callback: () => void): () => void {
  subscribers.add(callback);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const notify of [...subscribers]) notify();
    }, NOW_TICK_MS);
  }
  return () => {
    subscribers.delete(callback);
    if (subscribers.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The current time in milliseconds, updated every NOW_TICK_MS while mounted. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}
