/** Deployments, everywhere or in one project, filtered by environment, status, who and date; live. */
import type { DeploymentFilters } from '../api/endpoints';
import { DEPLOYMENT_STATUSES } from '@polytene/protocol/states';
import { getProject, listDeployments, listEnvironments } from '../api/endpoints';
import { inProject, ofKind, both, useLiveList } from '../api/events';
import { DeploymentsTable } from '../components/DeploymentsTable';
import { Empty, ErrorBox, Loading, Pagination, statusLabel } from '../components/ui';
import { useT } from '../i18n';
import { oneOf } from '../lib/oneOf';
import { useAsync } from '../lib/useAsync';
import { Link, setSearch, useLocation } from '../router';
import { useUser } from '../session';

const PER_PAGE = 25;

/** `2024-05-01` (a date input's value) as the ISO time its local day starts, `next` days later. */
export function dayStart(date: string, next = 0): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const [y, m, d] = date.split('-').map(Number);
  const day = new Date(y ?? 0, (m ?? 1) - 1, (d ?? 1) + next);
  return Number.isNaN(day.getTime()) ? undefined : day.toISOString();
}

export function DeploymentsPage({ projectId }: { projectId?: number }) {
  const t = useT();
  const me = useUser();
  const { search } = useLocation();
  const environment = search.get('environment') ?? '';
  const status = search.get('status') ?? '';
  const who = search.get('who') ?? '';
  const from = search.get('from') ?? '';
  const to = search.get('to') ?? '';
  const page = Number(search.get('page') ?? 1) || 1;
  const project = useAsync(
    (signal) => (projectId ? getProject(projectId, signal) : Promise.resolve(null)),
    [projectId],
  );
  const environments = useAsync(
    (signal) => (projectId ? listEnvironments(projectId, signal) : Promise.resolve(null)),
    [projectId],
  );
  const filters: DeploymentFilters = {
    project_id: projectId,
    status: oneOf(DEPLOYMENT_STATUSES, status),
    ...(projectId && /^\d+$/.test(environment)
      ? { environment_id: Number(environment) }
      : { environment: environment || undefined }),
    triggered_by: who === 'auto' ? 'auto' : who === 'me' ? me.id : undefined,
    from: dayStart(from),
    to: dayStart(to, 1),
    page,
    per_page: PER_PAGE,
  };
  const list = useAsync(
    (signal) => listDeployments(filters, signal),
    [projectId, environment, status, who, from, to, page],
  );
  useLiveList(
    projectId ? both(inProject(projectId), ofKind('deployment')) : ofKind('deployment'),
    list.reload,
  );
  const data = list.data;
  const filtered = Boolean(environment || status || who || from || to);
  return (
    <div className="page">
      {projectId && (
        <nav className="crumbs" aria-label={t('common.breadcrumbs')}>
          <Link to="/projects">{t('nav.projects')}</Link> /{' '}
          <Link to={`/projects/${projectId}`}>{project.data?.name ?? '…'}</Link> /{' '}
          <span>{t('deployments.title')}</span>
        </nav>
      )}
      <h1>{t('deployments.title')}</h1>
      <div className="toolbar filters">
        <label>
          {t('common.environment')}
          {environments.data ? (
            <select
              value={environment}
              onChange={(e) => setSearch({ environment: e.target.value, page: null })}
            >
              <option value="">{t('common.any')}</option>
              {environments.data.environments.map((env) => (
                <option key={env.id} value={env.id}>
                  {env.name}
                </option>
              ))}
            </select>
          ) : (
            <input
              type="search"
              defaultValue={environment}
              onChange={(e) => setSearch({ environment: e.target.value, page: null })}
            />
          )}
        </label>
        <label>
          {t('common.status')}
          <select value={status} onChange={(e) => setSearch({ status: e.target.value, page: null })}>
            <option value="">{t('common.any')}</option>
            {DEPLOYMENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s, t)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('deployments.who')}
          <select value={who} onChange={(e) => setSearch({ who: e.target.value, page: null })}>
            <option value="">{t('common.any')}</option>
            <option value="me">{t('deployments.whoMe')}</option>
            <option value="auto">{t('deployment.triggerAuto')}</option>
          </select>
        </label>
        <label>
          {t('deployments.from')}
          <input
            type="date"
            value={from}
            max={to || undefined}
            onChange={(e) => setSearch({ from: e.target.value, page: null })}
          />
        </label>
        <label>
          {t('deployments.to')}
          <input
            type="date"
            value={to}
            min={from || undefined}
            onChange={(e) => setSearch({ to: e.target.value, page: null })}
          />
        </label>
      </div>
      {list.loading && !data && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {data && data.deployments.length === 0 && (
        <Empty title={filtered ? t('deployments.noMatch') : t('deployments.empty')} />
      )}
      {data && data.deployments.length > 0 && (
        <DeploymentsTable deployments={data.deployments} showProject={!projectId} showEnvironment />
      )}
      {data && (
        <Pagination
          page={page}
          perPage={data.per_page || PER_PAGE}
          total={data.total}
          onPage={(p) => setSearch({ page: p })}
        />
      )}
    </div>
  );
}
