/** A table of deployments: status (with the live one and rollbacks marked), build, who, when, how long. */
import type { DeploymentView } from '@polytene/protocol';
import { CommitSummary } from './Commit';
import { DataTable, StatusBadge, TimeAgo } from './ui';
import { Phase } from './Phase';
import { useT } from '../i18n';
import { formatDuration, shortSha } from '../lib/format';
import { isRollback } from '../lib/waiting';
import { Link } from '../router';

/** The "rollback" label of a deployment of a build older than what was live, wherever one is shown. */
export function RollbackBadge({ deployment }: { deployment: { rollback?: boolean } }) {
  const t = useT();
  if (!isRollback(deployment)) return null;
  return (
    <span className="badge tone-wait" data-testid="rollback">
      {t('environment.rollback')}
    </span>
  );
}

export function durationOf(d: DeploymentView): number | null {
  if (!d.started_at || !d.finished_at) return null;
  return Date.parse(d.finished_at) - Date.parse(d.started_at);
}

interface Props {
  deployments: readonly DeploymentView[];
  /** The deployment live in its environment, marked "current". */
  currentId?: number | null;
  showProject?: boolean;
  showEnvironment?: boolean;
}

export function DeploymentsTable({ deployments, currentId, showProject, showEnvironment }: Props) {
  const t = useT();
  return (
    <DataTable
      columns={[
        '#',
        ...(showProject ? [t('common.project')] : []),
        ...(showEnvironment ? [t('common.environment')] : []),
        t('common.status'),
        t('common.build'),
        t('common.who'),
        t('common.when'),
        t('deployments.duration'),
      ]}
    >
      {deployments.map((d) => {
        const duration = durationOf(d);
        return (
          <tr
            key={d.id}
            className={d.id === currentId ? 'row-current' : undefined}
            data-testid={`deployment-${d.id}`}
          >
            <td>
              <Link to={`/deployments/${d.id}`}>#{d.id}</Link>
            </td>
            {showProject && (
              <td>
                <Link to={`/projects/${d.project.id}`}>{d.project.name}</Link>
              </td>
            )}
            {showEnvironment && (
              <td>
                <span className="env">{d.environment}</span>
              </td>
            )}
            <td>
              <StatusBadge status={d.status} />
              <Phase phase={d.phase} status={d.status} />
              {d.id === currentId && (
                <span className="badge tone-ok label-current">{t('environment.current')}</span>
              )}
              <RollbackBadge deployment={d} />
            </td>
            <td>
              <Link to={`/builds/${d.build.id}`} className="mono">
                {d.build.ref} @ {shortSha(d.build.sha)}
              </Link>
              <span className="small">
                <CommitSummary commit={d.build.commit} />
              </span>
            </td>
            <td>{d.triggered_by?.login ?? t('deployment.triggerAuto')}</td>
            <td>
              <TimeAgo at={d.queued_at} />
            </td>
            <td className="mono">{duration === null ? '—' : formatDuration(duration)}</td>
          </tr>
        );
      })}
    </DataTable>
  );
}
