/** The projects × environments matrix (live version, last attempt, what waits) and the 30-day chart. */
import type { DashboardCell, DashboardProject, EnvironmentDeployment } from '@polytene/protocol';
import { getDashboard, getDeploymentStats } from '../api/endpoints';
import { ofKind, useLiveList } from '../api/events';
import { DeploymentsChart } from '../components/Chart';
import { fillDays } from '../components/chart-data';
import { CommitSummary } from '../components/Commit';
import { Empty, ErrorBox, Loading, StatusBadge, TimeAgo } from '../components/ui';
import { RollbackBadge } from '../components/DeploymentsTable';
import { Phase } from '../components/Phase';
import { useI18n, useT } from '../i18n';
import { shortSha } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { waitingReason } from '../lib/waiting';
import { FrozenBadge } from '../components/FreezeWindows';
import { Link } from '../router';

/** The matrix's columns: every environment name in pipeline order (lowest position first, then name). */
export function matrixColumns(projects: readonly DashboardProject[]): string[] {
  const position = new Map<string, number>();
  for (const project of projects)
    for (const cell of project.environments) {
      const { name, position: p } = cell.environment;
      position.set(name, Math.min(position.get(name) ?? p, p));
    }
  return [...position.keys()].sort(
    (a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0) || a.localeCompare(b),
  );
}

function Version({ deployment }: { deployment: EnvironmentDeployment }) {
  return (
    <Link to={`/builds/${deployment.build.id}`} className="mono">
      {deployment.build.ref} @ {shortSha(deployment.build.sha)}
    </Link>
  );
}

function Cell({ cell }: { cell: DashboardCell }) {
  const t = useT();
  const { locale } = useI18n();
  const { live, last, next } = cell;
  const reason = next ? waitingReason(next, t, locale) : null;
  return (
    <div className="matrix-cell" data-testid={`cell-${cell.environment.id}`}>
      {live ? (
        <div data-testid="live">
          <Version deployment={live} /> <RollbackBadge deployment={live} />{' '}
          <span className="muted small">
            <TimeAgo at={live.finished_at ?? live.queued_at} />
          </span>
          <span className="small">
            <CommitSummary commit={live.build.commit} />
          </span>
        </div>
      ) : (
        <div className="muted small">{t('dashboard.nothingLive')}</div>
      )}
      <FrozenBadge until={cell.frozen_until} />
      {last && (
        <div className="small">
          <Link to={`/deployments/${last.deployment_id}`} title={t('dashboard.lastAttempt')}>
            <StatusBadge status={last.status} />
          </Link>{' '}
          <span className="mono muted">{shortSha(last.build.sha)}</span>
          <Phase phase={last.phase} status={last.status} />
        </div>
      )}
      {cell.hold && (
        <div className="small" data-testid="held">
          <span className="badge tone-wait">{t('hold.held')}</span>
        </div>
      )}
      {next && (
        <div className="small" data-testid="waiting">
          <Link to={`/deployments/${next.id}`}>
            <StatusBadge status={next.status} label={t('dashboard.queued', { count: cell.waiting })} />
          </Link>
          {reason && <div className="muted">{reason}</div>}
        </div>
      )}
    </div>
  );
}

export function DashboardPage() {
  const t = useT();
  const board = useAsync((signal) => getDashboard(signal), []);
  const stats = useAsync((signal) => getDeploymentStats(30, signal), []);
  useLiveList(ofKind('build', 'deployment', 'environment'), board.reload);
  useLiveList(ofKind('deployment'), stats.reload, 2_000);
  const projects = board.data?.projects ?? [];
  const columns = matrixColumns(projects);
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('nav.dashboard')}</h1>
        <button type="button" className="btn btn-small" onClick={board.reload}>
          {t('common.refresh')}
        </button>
      </div>
      <section className="card" aria-labelledby="envs">
        <h2 id="envs">{t('dashboard.matrix')}</h2>
        {board.loading && !board.data && <Loading />}
        {board.error ? <ErrorBox error={board.error} onRetry={board.reload} /> : null}
        {board.data !== null && projects.length === 0 && (
          <Empty title={t('dashboard.empty')}>
            <Link to="/projects" className="btn btn-primary">
              {t('projects.create')}
            </Link>
          </Empty>
        )}
        {projects.length > 0 && (
          <div className="table-wrap">
            <table className="table matrix">
              <thead>
                <tr>
                  <th>{t('common.project')}</th>
                  {columns.map((name) => (
                    <th key={name}>
                      <span className="env">{name}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {projects.map((project) => (
                  <tr key={project.id} data-testid={`project-${project.id}`}>
                    <th scope="row">
                      <Link to={`/projects/${project.id}`}>{project.name}</Link>
                      {project.environments.length === 0 && (
                        <div className="muted small">{t('dashboard.noEnvironments')}</div>
                      )}
                    </th>
                    {columns.map((name) => {
                      const cell = project.environments.find((c) => c.environment.name === name);
                      return (
                        <td key={name}>
                          {cell && (
                            <>
                              <Link to={`/environments/${cell.environment.id}`} className="small env-link">
                                {name}
                              </Link>
                              <Cell cell={cell} />
                            </>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="dash-chart">
        <h2 id="dash-chart">{t('dashboard.chartTitle')}</h2>
        {stats.loading && !stats.data && <Loading />}
        {stats.error ? <ErrorBox error={stats.error} onRetry={stats.reload} /> : null}
        {stats.data !== null && <DeploymentsChart days={fillDays(stats.data, 30)} />}
      </section>
    </div>
  );
}
