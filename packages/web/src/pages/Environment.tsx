/** One environment: its address, what is live, what waits, its deployment history (paged), its settings. */
import { getEnvironment, getProject, listDeployments } from '../api/endpoints';
import { useLiveList, type LiveFilter } from '../api/events';
import { CommitSummary } from '../components/Commit';
import { DeploymentsTable, RollbackBadge } from '../components/DeploymentsTable';
import { EnvironmentHold } from '../components/EnvironmentHold';
import { EnvironmentSettings } from '../components/EnvironmentSettings';
import { FreezeWindows, FrozenBadge } from '../components/FreezeWindows';
import { EnvironmentProtection } from '../components/EnvironmentProtection';
import { Empty, ErrorBox, Loading, Pagination, StatusBadge, TimeAgo } from '../components/ui';
import { useI18n, useT } from '../i18n';
import { formatDuration, shortSha } from '../lib/format';
import { permissionsOf } from '../lib/permissions';
import { useAsync } from '../lib/useAsync';
import { waitingReason } from '../lib/waiting';
import { Link, setSearch, useLocation } from '../router';

const PER_PAGE = 20;

export function EnvironmentPage({ id }: { id: number }) {
  const t = useT();
  const { locale } = useI18n();
  const { search } = useLocation();
  const page = Number(search.get('page') ?? 1) || 1;
  const env = useAsync((signal) => getEnvironment(id, signal), [id]);
  const projectId = env.data?.project_id;
  const project = useAsync(
    (signal) => (projectId ? getProject(projectId, signal) : Promise.resolve(null)),
    [projectId],
  );
  const queue = useAsync(
    (signal) => listDeployments({ environment_id: id, waiting: true, per_page: 100 }, signal),
    [id],
  );
  const history = useAsync(
    (signal) => listDeployments({ environment_id: id, page, per_page: PER_PAGE }, signal),
    [id, page],
  );
  const here: LiveFilter = (e) =>
    (e.kind === 'deployment' && e.environment_id === id) ||
    (e.kind === 'environment' && e.environment_id === id);
  useLiveList(here, () => {
    env.reload();
    queue.reload();
    history.reload();
  });

  if (env.loading && !env.data) return <Loading />;
  if (env.error || !env.data) return <ErrorBox error={env.error} onRetry={env.reload} />;
  const environment = env.data;
  const current = environment.live;
  const waiting = queue.data?.deployments ?? [];
  return (
    <div className="page">
      <nav className="crumbs" aria-label={t('common.breadcrumbs')}>
        <Link to="/projects">{t('nav.projects')}</Link> /{' '}
        <Link to={`/projects/${environment.project_id}`}>{project.data?.name ?? '…'}</Link> /{' '}
        <span>{environment.name}</span>
      </nav>
      <h1>{t('environment.title', { name: environment.name })}</h1>
      <FrozenBadge until={environment.frozen_until} />
      {environment.url && (
        <p>
          {t('environment.url')}:{' '}
          <a href={environment.url} target="_blank" rel="noreferrer noopener" className="mono">
            {environment.url}
          </a>
        </p>
      )}
      <EnvironmentHold
        environment={environment}
        canHold={permissionsOf(project.data).deploy}
        onChange={env.setData}
      />
      <section className="card" aria-labelledby="env-live">
        <h2 id="env-live">{t('environment.live')}</h2>
        {!current && <p className="muted">{t('environment.nothingLive')}</p>}
        {current && (
          <p data-testid="live">
            <Link to={`/deployments/${current.deployment_id}`}>#{current.deployment_id}</Link>{' '}
            <Link to={`/builds/${current.build.id}`} className="mono">
              {current.build.ref} @ {shortSha(current.build.sha)}
            </Link>{' '}
            <RollbackBadge deployment={current} /> ·{' '}
            {current.triggered_by?.login ?? t('deployment.triggerAuto')} ·{' '}
            <TimeAgo at={current.finished_at} />
            {current.duration_seconds !== null && ` · ${formatDuration(current.duration_seconds * 1000)}`}
            <CommitSummary commit={current.build.commit} />
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="env-queue">
        <h2 id="env-queue">{t('environment.queue')}</h2>
        {queue.data && waiting.length === 0 && <p className="muted">{t('environment.queueEmpty')}</p>}
        {waiting.length > 0 && (
          <ul className="plain-list">
            {waiting.map((d) => {
              const reason = waitingReason(d, t, locale);
              return (
                <li key={d.id}>
                  <Link to={`/deployments/${d.id}`}>#{d.id}</Link> <StatusBadge status={d.status} />{' '}
                  <span className="mono">
                    {d.build.ref} @ {shortSha(d.build.sha)}
                  </span>{' '}
                  <span className="muted small">
                    <TimeAgo at={d.queued_at} />
                    {reason && ` · ${reason}`}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="env-history">
        <h2 id="env-history">{t('environment.history')}</h2>
        {history.loading && !history.data && <Loading />}
        {history.error ? <ErrorBox error={history.error} onRetry={history.reload} /> : null}
        {history.data && history.data.deployments.length === 0 && (
          <Empty title={t('environment.historyEmpty')} />
        )}
        {history.data && history.data.deployments.length > 0 && (
          <DeploymentsTable
            deployments={history.data.deployments}
            currentId={current?.deployment_id ?? null}
          />
        )}
        {history.data && (
          <Pagination
            page={page}
            perPage={history.data.per_page || PER_PAGE}
            total={history.data.total}
            onPage={(p) => setSearch({ page: p })}
          />
        )}
      </section>
      <FreezeWindows
        environment={environment}
        canEdit={permissionsOf(project.data).edit_environments}
        onChanged={(e) => (e ? env.setData(e) : env.reload())}
      />
      {permissionsOf(project.data).edit_environments && (
        <EnvironmentSettings key={environment.updated_at} environment={environment} onSaved={env.setData} />
      )}
      {permissionsOf(project.data).edit_environments && (
        <EnvironmentProtection environment={environment} onSaved={env.setData} />
      )}
    </div>
  );
}
