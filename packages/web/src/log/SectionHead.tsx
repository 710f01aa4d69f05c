/** A section's header row in the log: a toggle to collapse or expand it, its header and its duration. */
import type { LogSectionView } from '@polytene/protocol';
import type { LogMarker } from '@polytene/protocol/log-sections';
import { useT } from '../i18n';
import { formatDuration } from '../lib/format';

export function SectionHead({
  n,
  section,
  marker,
  collapsed,
  onToggle,
}: {
  n: number;
  /** The section as the server indexed it; not yet known for a line that just arrived. */
  section: LogSectionView | undefined;
  marker: LogMarker | null;
  collapsed: boolean;
  onToggle: (startLine: number) => void;
}) {
  const t = useT();
  const header = section?.header ?? (marker?.kind === 'start' ? marker.header : '');
  const depth = section?.depth ?? 0;
  return (
    <span className="log-section-head" style={{ paddingLeft: `${depth * 1.25}rem` }} data-section={n}>
      {section ? (
        <button
          type="button"
          className="log-toggle"
          aria-expanded={!collapsed}
          aria-label={t(collapsed ? 'deployment.expandSection' : 'deployment.collapseSection', { header })}
          onClick={() => onToggle(n)}
        >
          {collapsed ? '▸' : '▾'}
        </button>
      ) : (
        <span className="log-toggle" aria-hidden="true" />
      )}
      <span className="log-section-title">{header}</span>
      {section?.duration_seconds != null ? (
        <span className="log-section-duration" data-testid="section-duration">
          {formatDuration(section.duration_seconds * 1000)}
        </span>
      ) : null}
    </span>
  );
}
