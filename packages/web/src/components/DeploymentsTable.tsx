/** A table of deployments: status (with the live one and rollbacks marked), build, who, when, how long. */
import type { DeploymentView } from '@polytene/protocol';
import { CommitSummary } from './Commit';
import { StatusBadge, TimeAgo } from './ui';
import { Phase } from './Phase';
import { useT } from '../i18n';
import { formatDuration, shortSha } from '../lib/format';
import { isRollback } from '../lib/waiting';
import { Link } from '../router';

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
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th>#</th>
            {showProject && <th>{t('common.project')}</th>}
            {showEnvironment && <th>{t('common.environment')}</th>}
            <th>{t('common.status')}</th>
            <th>{t('common.build')}</th>
            <th>{t('common.who')}</th>
            <th>{t('common.when')}</th>
            <th>{t('deployments.duration')}</th>
          </tr>
        </thead>
        <tbody>
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
                  {isRollback(d) && <span className="badge tone-wait">{t('environment.rollback')}</span>}
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
        </tbody>
      </table>
    </div>
  );
}
