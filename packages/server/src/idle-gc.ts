import v8 from 'node:v8';
import vm from 'node:vm';

export interface IdleCollectorOptions {
  /** How often the process's CPU time is looked at. */
  intervalMs?: number;
  /** A window that used less CPU than this is idle. */
  idleCpuMs?: number;
  /** How much CPU the busy windows since the last collection must have used to be worth one. */
  busyCpuMs?: number;
  /** The process's CPU time so far, in ms (tests give their own). */
  cpuMs?: () => number;
  /** A full garbage collection (tests give their own). */
  collect?: () => void;
}

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** V8's full collection, exposed at run time (the same as `node --expose-gc`, without the flag). */
function fullCollection(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/**
 * After a busy spell, once the server falls idle, runs one full garbage collection. Under load V8 grows
 * the old space to two or three times what stays live (47 MB by a heap snapshot after bench/load-bench.ts)
 * and keeps it when the load stops, so an idle replica held 170-210 MB; one collection gives the pages
 * back. It runs only when nothing is happening, so nobody waits for its pause. Answers the stop function.
 */
export function startIdleCollector(options: IdleCollectorOptions = {}): () => void {
  const intervalMs = options.intervalMs ?? 10_000;
  const idleCpuMs = options.idleCpuMs ?? 100;
  const busyCpuMs = options.busyCpuMs ?? 2_000;
  const cpuMs = options.cpuMs ?? processCpuMs;
  const collect = options.collect ?? fullCollection();
  let last = cpuMs();
  let busySinceCollection = 0;
  const timer = setInterval(() => {
    const now = cpuMs();
    const used = now - last;
    last = now;
    if (used >= idleCpuMs) {
      busySinceCollection += used;
      return;
    }
    if (busySinceCollection < busyCpuMs) return;
    busySinceCollection = 0;
    collect();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
