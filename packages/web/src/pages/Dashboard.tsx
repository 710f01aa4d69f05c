/** Every project × environment with its latest deployment, running ones first, and the 30-day chart. */
import type { DashboardEnvironment } from '@polytene/protocol';
import { getDashboard, getDeploymentStats } from '../api/endpoints';
import { DeploymentsChart } from '../components/Chart';
import { fillDays } from '../components/chart-data';
import { CommitSummary } from '../components/Commit';
import { Empty, ErrorBox, Loading, StatusBadge, TimeAgo } from '../components/ui';
import { useT } from '../i18n';
import { shortSha } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { Link } from '../router';

const ORDER: Record<string, number> = { running: 0, queued: 1 };

export function sortDashboard(rows: readonly DashboardEnvironment[]): DashboardEnvironment[] {
  return [...rows].sort((a, b) => {
    const ra = ORDER[a.deployment?.status ?? ''] ?? 2;
    const rb = ORDER[b.deployment?.status ?? ''] ?? 2;
    if (ra !== rb) return ra - rb;
    return a.project.name.localeCompare(b.project.name) || a.environment.localeCompare(b.environment);
  });
}

export function DashboardPage() {
  const t = useT();
  const board = useAsync((signal) => getDashboard(signal), []);
  const stats = useAsync((signal) => getDeploymentStats(30, signal), []);
  const rows = board.data ? sortDashboard(board.data.environments) : [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('nav.dashboard')}</h1>
        <button type="button" className="btn btn-small" onClick={board.reload}>
          {t('common.refresh')}
        </button>
      </div>
      <section className="card" aria-labelledby="envs">
        <h2 id="envs">{t('dashboard.environments')}</h2>
        {board.loading && !board.data && <Loading />}
        {board.error ? <ErrorBox error={board.error} onRetry={board.reload} /> : null}
        {board.data !== null && rows.length === 0 && (
          <Empty title={t('dashboard.empty')}>
            <Link to="/projects" className="btn btn-primary">
              {t('projects.create')}
            </Link>
          </Empty>
        )}
        {rows.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t('common.project')}</th>
                  <th>{t('common.environment')}</th>
                  <th>{t('common.status')}</th>
                  <th>{t('common.build')}</th>
                  <th>{t('common.who')}</th>
                  <th>{t('common.when')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const d = row.deployment;
                  return (
                    <tr key={`${row.project.id}:${row.environment}`}>
                      <td>
                        <Link to={`/projects/${row.project.id}`}>{row.project.name}</Link>
                      </td>
                      <td>
                        <span className="env">{row.environment}</span>
                      </td>
                      <td>
                        {d ? (
                          <Link to={`/deployments/${d.id}`}>
                            <StatusBadge status={d.status} />
                          </Link>
                        ) : (
                          <StatusBadge status="not_deployed" />
                        )}
                      </td>
                      <td>
                        {d && (
                          <>
                            <Link to={`/builds/${d.build.id}`} className="mono">
                              {d.build.ref} @ {shortSha(d.build.sha)}
                            </Link>
                            <span className="small">
                              <CommitSummary commit={d.build.commit} />
                            </span>
                          </>
                        )}
                      </td>
                      <td>{d ? (d.triggered_by?.login ?? t('deployment.triggerAuto')) : ''}</td>
                      <td>{d && <TimeAgo at={d.finished_at ?? d.started_at ?? d.queued_at} />}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="dash-chart">
        <h2 id="dash-chart">{t('dashboard.chartTitle')}</h2>
        {stats.loading && <Loading />}
        {stats.error ? <ErrorBox error={stats.error} onRetry={stats.reload} /> : null}
        {stats.data !== null && !stats.loading && <DeploymentsChart days={fillDays(stats.data, 30)} />}
      </section>
    </div>
  );
}
