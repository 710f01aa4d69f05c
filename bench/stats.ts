/** The value below which `fraction` of the sorted samples lie (nearest rank). */
export function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

export function formatRow(name: string, value: string, target: string, met: boolean): string {
  return `  ${name.padEnd(52)} ${value.padStart(16)}   target ${target.padEnd(14)} ${met ? 'met' : 'MISSED'}`;
}
