/** One build: CI details, the raw CI payload, its deployments, and Deploy / Redeploy / Roll back. */
import { useState } from 'react';
import type { DeploymentView } from '@polytene/protocol';
import { deploy as deployBuild, getBranch, getBuild, getProject, listDeployments } from '../api/endpoints';
import { CommitLinks, CommitSummary } from '../components/Commit';
import { JsonTree } from '../components/JsonTree';
import { DataTable, ConfirmDialog, Empty, ErrorBox, Loading, StatusBadge, TimeAgo } from '../components/ui';
import { RollbackBadge } from '../components/DeploymentsTable';
import { useI18n } from '../i18n';
import { formatDateTime, shortSha } from '../lib/format';
import { permissionsOf } from '../lib/permissions';
import { useLiveList } from '../api/events';
import { useAsync } from '../lib/useAsync';
import { Link, navigate } from '../router';

export type DeployKind = 'deploy' | 'redeploy' | 'rollback';

/** Deploying a build whose deployment is there already is a redeploy; an older build than the current one is a rollback. */
export function deployKind(
  buildId: number,
  current: DeploymentView | null,
  ownDeployments: number,
): DeployKind {
  if (current && current.build.id > buildId) return 'rollback';
  if (ownDeployments > 0 || (current && current.build.id === buildId)) return 'redeploy';
  return 'deploy';
}

export function BuildPage({ id }: { id: number }) {
  const { t, locale } = useI18n();
  const build = useAsync((signal) => getBuild(id, signal), [id]);
  useLiveList((e) => (e.kind === 'build' || e.kind === 'deployment') && e.build_id === id, build.reload);
  const b = build.data;
  const branch = useAsync(
    (signal) =>
      b?.branch_config_id ? getBranch(b.project_id, b.branch_config_id, signal) : Promise.resolve(null),
    [b?.project_id, b?.branch_config_id],
  );
  const project = useAsync(
    (signal) => (b ? getProject(b.project_id, signal) : Promise.resolve(null)),
    [b?.project_id],
  );
  const environment = branch.data?.environment ?? b?.deployments[0]?.environment ?? 'production';
  // What is there now: the environment's last successful deployment (a failed or canceled one left it as it was).
  const there = useAsync(
    (signal) =>
      b
        ? listDeployments({ project_id: b.project_id, environment, status: 'succeeded', per_page: 1 }, signal)
            .then((list) => list.deployments[0] ?? null)
            .catch(() => null)
        : Promise.resolve(null),
    [b?.project_id, environment, b?.deployments.length],
  );
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [deployError, setDeployError] = useState<unknown>(null);

  if (build.loading && !b) return <Loading />;
  if (build.error || !b) return <ErrorBox error={build.error} onRetry={build.reload} />;

  const current = there.data ?? null;
  const kind = deployKind(b.id, current, b.deployments.length);
  const label = t(`deploy.${kind}`);

  const deploy = async () => {
    setBusy(true);
    setDeployError(null);
    try {
      const created = await deployBuild(id, environment);
      navigate(`/deployments/${created.id}`);
    } catch (failure) {
      setDeployError(failure);
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <nav className="crumbs" aria-label={t('common.breadcrumbs')}>
        <Link to="/projects">{t('nav.projects')}</Link> /{' '}
        <Link to={`/projects/${b.project_id}`}>
          {project.data?.name ?? `${t('common.project')} #${b.project_id}`}
        </Link>{' '}
        / <Link to={`/projects/${b.project_id}/builds`}>{t('nav.builds')}</Link> / <span>#{b.id}</span>
      </nav>
      <div className="page-head">
        <h1>
          {t('common.build')} #{b.id} <span className="mono muted">{b.ref}</span>
        </h1>
        {permissionsOf(project.data).deploy && (
          <div className="actions">
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => setConfirming(true)}
              data-testid="deploy-button"
            >
              {label}
            </button>
          </div>
        )}
      </div>
      {!b.branch_config_id && <p className="notice">{t('build.noBranchConfig')}</p>}
      <div className="grid-2">
        <section className="card" aria-labelledby="ci">
          <h2 id="ci">{t('build.ci')}</h2>
          <dl className="facts">
            <dt>{t('builds.ciStatus')}</dt>
            <dd>
              <StatusBadge status={b.status} />
            </dd>
            <dt>{t('builds.deploymentStatus')}</dt>
            <dd>
              <StatusBadge status={b.deployment_status} />
            </dd>
            <dt>{t('builds.ref')}</dt>
            <dd className="mono">
              {b.ref}
              {b.is_tag && <span className="tag">tag</span>}
            </dd>
            <dt>{t('build.sha')}</dt>
            <dd className="mono">{b.sha}</dd>
            {b.commit?.title && (
              <>
                <dt>{t('commit.title')}</dt>
                <dd data-testid="commit-title">{b.commit.title}</dd>
              </>
            )}
            {b.commit?.author_name && (
              <>
                <dt>{t('commit.author')}</dt>
                <dd>
                  {b.commit.author_name}
                  {b.commit.author_email && <span className="muted"> &lt;{b.commit.author_email}&gt;</span>}
                </dd>
              </>
            )}
            {b.commit?.committed_at && (
              <>
                <dt>{t('commit.committedAt')}</dt>
                <dd>{formatDateTime(b.commit.committed_at, locale)}</dd>
              </>
            )}
            {(b.commit?.url || b.pipeline_url) && (
              <>
                <dt>{t('commit.links')}</dt>
                <dd>
                  <CommitLinks commitUrl={b.commit?.url} pipelineUrl={b.pipeline_url} />
                </dd>
              </>
            )}
            {b.before_sha && (
              <>
                <dt>{t('build.beforeSha')}</dt>
                <dd className="mono">{b.before_sha}</dd>
              </>
            )}
            <dt>{t('build.source')}</dt>
            <dd>
              {b.source}
              {b.external_id && <span className="muted"> · {b.external_id}</span>}
            </dd>
            <dt>{t('build.started')}</dt>
            <dd>{formatDateTime(b.started_at, locale)}</dd>
            <dt>{t('build.finished')}</dt>
            <dd>{formatDateTime(b.finished_at, locale)}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="env-now">
          <h2 id="env-now">{t('build.environmentNow', { environment })}</h2>
          {current ? (
            <p>
              <StatusBadge status={current.status} />{' '}
              <Link to={`/builds/${current.build.id}`}>#{current.build.id}</Link>{' '}
              <span className="mono">
                {current.build.ref} @ {shortSha(current.build.sha)}
              </span>{' '}
              <TimeAgo at={current.finished_at ?? current.queued_at} />
              <CommitSummary commit={current.build.commit} />
            </p>
          ) : (
            <p className="muted">{t('build.nothingDeployed')}</p>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="deployments">
        <h2 id="deployments">{t('build.deployments')}</h2>
        {b.deployments.length === 0 ? (
          <Empty title={t('build.noDeployments')} />
        ) : (
          <DataTable
            columns={['#', t('common.environment'), t('common.status'), t('common.who'), t('common.when')]}
          >
            {b.deployments.map((d) => (
              <tr key={d.id}>
                <td>
                  <Link to={`/deployments/${d.id}`}>#{d.id}</Link>
                </td>
                <td>
                  <span className="env">{d.environment}</span>
                </td>
                <td>
                  <StatusBadge status={d.status} /> <RollbackBadge deployment={d} />
                </td>
                <td>{d.triggered_by?.login ?? t('deployment.triggerAuto')}</td>
                <td>
                  <TimeAgo at={d.queued_at} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
      <section className="card">
        <details className="payload">
          <summary>{t('build.payload')}</summary>
          {b.payload === null || b.payload === undefined ? (
            <pre className="code-block">{t('build.noPayload')}</pre>
          ) : (
            <JsonTree value={b.payload} />
          )}
        </details>
      </section>
      <ConfirmDialog
        open={confirming}
        title={t(`deploy.${kind}Title`, { environment })}
        confirmLabel={label}
        busy={busy}
        error={deployError}
        onConfirm={() => void deploy()}
        onCancel={() => {
          setConfirming(false);
          setDeployError(null);
        }}
      >
        <p>{t('deploy.what', { ref: b.ref, sha: shortSha(b.sha), environment })}</p>
        <p>
          {current
            ? t('deploy.now', {
                build: current.build.id,
                ref: current.build.ref,
                sha: shortSha(current.build.sha),
                status: t(`status.${current.status}`),
              })
            : t('deploy.nowNothing')}
        </p>
        {kind === 'rollback' && <p>{t('deploy.rollbackHolds', { environment })}</p>}
      </ConfirmDialog>
    </div>
  );
}
