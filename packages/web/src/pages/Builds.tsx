/** A project's builds with filters (branch, CI status, deployment status) and pagination. */
import type { BuildView } from '@polytene/protocol';
import { BUILD_DEPLOYMENT_STATUSES } from '@polytene/protocol/states';
import { CI_STATUSES } from '@polytene/protocol/enums';
import { getProject, listBuilds } from '../api/endpoints';
import { both, inProject, ofKind, useLiveList } from '../api/events';
import { CommitLinks, CommitSummary } from '../components/Commit';
import { DataTable, Empty, ErrorBox, Loading, Pagination, StatusBadge, TimeAgo } from '../components/ui';
import { useT } from '../i18n';
import { shortSha } from '../lib/format';
import { oneOf } from '../lib/oneOf';
import { useAsync } from '../lib/useAsync';
import { Link, setSearch, useLocation } from '../router';

const PER_PAGE = 25;

export function BuildsTable({ builds }: { builds: BuildView[] }) {
  const t = useT();
  return (
    <DataTable
      columns={[
        t('common.build'),
        t('builds.ref'),
        t('build.commit'),
        t('builds.ciStatus'),
        t('builds.deploymentStatus'),
        t('common.when'),
      ]}
    >
      {builds.map((b) => (
        <tr key={b.id}>
          <td>
            <Link to={`/builds/${b.id}`}>#{b.id}</Link>
            {b.external_id && <span className="muted small"> ({b.external_id})</span>}
          </td>
          <td className="mono">
            {b.ref} <span className="muted">@ {shortSha(b.sha)}</span>
          </td>
          <td className="small">
            <CommitSummary commit={b.commit} />
            <CommitLinks commitUrl={null} pipelineUrl={b.pipeline_url} />
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
    </DataTable>
  );
}

export function BuildsPage({ projectId }: { projectId: number }) {
  const t = useT();
  const { search } = useLocation();
  const ref = search.get('branch') ?? '';
  const status = search.get('status') ?? '';
  const deploymentStatus = search.get('deployment_status') ?? '';
  const page = Number(search.get('page') ?? 1) || 1;
  const project = useAsync((signal) => getProject(projectId, signal), [projectId]);
  const builds = useAsync(
    (signal) =>
      listBuilds(
        projectId,
        {
          branch: ref || undefined,
          status: oneOf(CI_STATUSES, status),
          deployment_status: oneOf(BUILD_DEPLOYMENT_STATUSES, deploymentStatus),
          page,
          per_page: PER_PAGE,
        },
        signal,
      ),
    [projectId, ref, status, deploymentStatus, page],
  );
  useLiveList(both(inProject(projectId), ofKind('build', 'deployment')), builds.reload);
  const list = builds.data;
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
            {BUILD_DEPLOYMENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {builds.loading && !list && <Loading />}
      {builds.error ? <ErrorBox error={builds.error} onRetry={builds.reload} /> : null}
      {list && list.builds.length === 0 && (
        <Empty title={filtered ? t('builds.noMatch') : t('builds.empty')}>
          {!filtered && <p>{t('builds.emptyHint')}</p>}
        </Empty>
      )}
      {list && list.builds.length > 0 && <BuildsTable builds={list.builds} />}
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
