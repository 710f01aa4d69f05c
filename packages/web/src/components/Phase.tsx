/** A deployment's phase next to its status (architecture.md §6, "Sections and phases"). */
import { useT } from '../i18n';

/**
 * "Phase: migrate database" while it runs; once it ended, on the deployment's own page (`ended`), the
 * last phase it reached, which says where a failed one stopped.
 */
export function Phase({
  phase,
  status,
  ended = false,
}: {
  phase: string | null | undefined;
  status: string;
  ended?: boolean;
}) {
  const t = useT();
  if (!phase) return null;
  if (status !== 'running' && !ended) return null;
  return (
    <span className="phase" data-testid="phase">
      {t(status === 'running' ? 'deployment.phase' : 'deployment.lastPhase', { phase })}
    </span>
  );
}
