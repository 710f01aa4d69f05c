/** A project's builds with filters (branch, CI status, deployment status) and pagination. */
import { api, query } from '../api/client';
import { listOf, type Build, type Project } from '../api/types';
import { Empty, ErrorBox, Loading, Pagination, StatusBadge, TimeAgo } from '../components/ui';
import { useT } from '../i18n';
import { shortSha } from '../lib/format';
import { useAsync } from '../lib/useAsync';
import { Link, setSearch, useLocation } from '../router';

const CI_STATUSES = ['success', 'failed', 'running', 'pending', 'canceled', 'skipped', 'manual', 'created'];
const DEPLOY_STATUSES = ['not_deployed', 'queued', 'running', 'succeeded', 'failed', 'canceled', 'skipped'];
const PER_PAGE = 25;

export function BuildsTable({ builds }: { builds: Build[] }) {
  const t = useT();
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th>{t('common.build')}</th>
            <th>{t('builds.ref')}</th>
            <th>{t('builds.ciStatus')}</th>
            <th>{t('builds.deploymentStatus')}</th>
            <th>{t('common.when')}</th>
          </tr>
        </thead>
        <tbody>
          {builds.map((b) => (
            <tr key={b.id}>
              <td>
                <Link to={`/builds/${b.id}`}>#{b.id}</Link>
                {b.external_id && <span className="muted small"> ({b.external_id})</span>}
              </td>
              <td className="mono">
                {b.ref} <span className="muted">@ {shortSha(b.sha)}</span>
              </td>
              <td>
                <StatusBadge status={b.status} />
              </td>
              <td>
                <StatusBadge status={b.deployment_status} />
              </td>
              <td>
                <TimeAgo at={b.finished_at ?? b.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function BuildsPage({ projectId }: { projectId: number }) {
  const t = useT();
  const { search } = useLocation();
  const ref = search.get('branch') ?? '';
  const status = search.get('status') ?? '';
  const deploymentStatus = search.get('deployment_status') ?? '';
  const page = Number(search.get('page') ?? 1) || 1;
  const project = useAsync(
    (signal) => api.get<Project>(`/api/v1/projects/${projectId}`, { signal }),
    [projectId],
  );
  const builds = useAsync(
    (signal) =>
      api.get<unknown>(
        `/api/v1/projects/${projectId}/builds${query({ branch: ref, status, deployment_status: deploymentStatus, page, per_page: PER_PAGE })}`,
        { signal },
      ),
    [projectId, ref, status, deploymentStatus, page],
  );
  const list = builds.data ? listOf<Build>(builds.data, 'builds') : null;
  const filtered = Boolean(ref || status || deploymentStatus);
  return (
    <div className="page">
      <nav className="crumbs" aria-label={t('common.breadcrumbs')}>
        <Link to="/projects">{t('nav.projects')}</Link> /{' '}
        <Link to={`/projects/${projectId}`}>{project.data?.name ?? '…'}</Link> /{' '}
        <span>{t('nav.builds')}</span>
      </nav>
      <h1>{t('nav.builds')}</h1>
      <div className="toolbar filters">
        <label>
          {t('builds.ref')}
          <input
            type="search"
            className="mono"
            defaultValue={ref}
            onChange={(e) => setSearch({ branch: e.target.value, page: null })}
          />
        </label>
        <label>
          {t('builds.ciStatus')}
          <select value={status} onChange={(e) => setSearch({ status: e.target.value, page: null })}>
            <option value="">{t('common.any')}</option>
            {CI_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('builds.deploymentStatus')}
          <select
            value={deploymentStatus}
            onChange={(e) => setSearch({ deployment_status: e.target.value, page: null })}
          >
            <option value="">{t('common.any')}</option>
            {DEPLOY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {builds.loading && !list && <Loading />}
      {builds.error ? <ErrorBox error={builds.error} onRetry={builds.reload} /> : null}
      {list && list.items.length === 0 && (
        <Empty title={filtered ? t('builds.noMatch') : t('builds.empty')}>
          {!filtered && <p>{t('builds.emptyHint')}</p>}
        </Empty>
      )}
      {list && list.items.length > 0 && <BuildsTable builds={list.items} />}
      {list && (
        <Pagination
          page={page}
          perPage={list.per_page || PER_PAGE}
          total={list.total}
          onPage={(p) => setSearch({ page: p })}
        />
      )}
    </div>
  );
}
