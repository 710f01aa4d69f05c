/** The deployment page: live log, status, elapsed time, abort, redeploy. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DeploymentView as Deployment } from '@polytene/protocol';
import { isFinalStatus } from '@polytene/protocol/states';
import { cancelDeployment, deploy, getDeployment, getProject, logTextUrl } from '../api/endpoints';
import { ApprovalPanel } from '../components/ApprovalPanel';
import { CommitLinks, CommitSummary } from '../components/Commit';
import { FreezeOverride } from '../components/FreezeOverride';
import { FailureReason } from '../components/FailureReason';
import { Phase } from '../components/Phase';
import { ConfirmDialog, ErrorBox, Loading, StatusBadge } from '../components/ui';
import { RollbackBadge } from '../components/DeploymentsTable';
import { useI18n } from '../i18n';
import type { StreamFilter } from '../log/buffer';
import { LogController } from '../log/controller';
import { LogView, type ShowLines } from '../log/LogView';
import { lineOfHash, useLogSearch } from '../log/search';
import { formatDateTime, formatDuration, shortSha } from '../lib/format';
import { permissionsOf } from '../lib/permissions';
import { useAsync } from '../lib/useAsync';
import { Link, navigate } from '../router';
import { deploymentMessage } from '../lib/deploymentMessage';

function isFinal(d: Deployment): boolean {
  return isFinalStatus(d.status);
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [active]);
  return now;
}

export function DeploymentPage({ id }: { id: number }) {
  const first = useAsync((signal) => getDeployment(id, signal), [id]);
  if (first.loading && !first.data) return <Loading />;
  if (first.error || !first.data) return <ErrorBox error={first.error} onRetry={first.reload} />;
  return <DeploymentView key={id} initial={first.data} />;
}

function DeploymentView({ initial }: { initial: Deployment }) {
  const { t, locale } = useI18n();
  const [deployment, setDeployment] = useState(initial);
  // Abort and Redeploy only for those the server lets deploy (the project says who may).
  const project = useAsync((signal) => getProject(initial.project.id, signal), [initial.project.id]);
  const canDeploy = permissionsOf(project.data).deploy;
  const [version, setVersion] = useState(0);
  const [logError, setLogError] = useState<unknown>(null);
  const [filter, setFilter] = useState<StreamFilter>('all');
  const [follow, setFollow] = useState(true);
  const [search, setSearch] = useState('');
  const [matchIndex, setMatchIndex] = useState(0);
  const [dialog, setDialog] = useState<'none' | 'abort' | 'redeploy'>('none');
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const finishing = useRef(false);

  const refresh = useCallback(async () => {
    try {
      setDeployment(await getDeployment(initial.id));
    } catch {
      // the next status event or the user's reload tries again
    }
  }, [initial.id]);

  const controller = useMemo(
    () =>
      new LogController({
        deploymentId: initial.id,
        lastN: initial.last_log_n,
        live: !isFinal(initial),
        onChange: () => setVersion((v) => v + 1),
        onStatus: () => void refresh(),
        onError: setLogError,
      }),
    [initial, refresh],
  );

  useEffect(() => {
    controller.start();
    return () => controller.stop();
  }, [controller]);

  // A status event may arrive before the UI knows the deployment ended; poll gently while running.
  const live = !isFinal(deployment);
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => void refresh(), 10_000);
    return () => window.clearInterval(timer);
  }, [live, refresh]);

  useEffect(() => {
    if (!live && !isFinal(initial) && !finishing.current) {
      finishing.current = true;
      void controller.finish(deployment.last_log_n).then(() => setVersion((v) => v + 1));
    }
  }, [live, initial, controller, deployment.last_log_n]);

  const needle = search.trim().toLowerCase();
  const { matches, more, searching, loadMore } = useLogSearch(initial.id, needle, filter, setLogError);
  const hit = matches.length ? (matches[Math.min(matchIndex, matches.length - 1)] ?? null) : null;
  const step = (delta: number) => {
    if (!matches.length) return;
    // Past the last hit found so far, the next page of hits holds the next one.
    if (delta > 0 && matchIndex >= matches.length - 1 && more) {
      setMatchIndex(matches.length);
      void loadMore();
      return;
    }
    setMatchIndex((i) => (Math.min(i, matches.length - 1) + delta + matches.length) % matches.length);
  };

  // A linked line: #L161 in the address marks line 161 and brings it into view.
  const [anchor, setAnchor] = useState(() => lineOfHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setAnchor(lineOfHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const linkLine = useCallback((n: number | null) => {
    const { pathname, search: params } = window.location;
    window.history.replaceState(window.history.state, '', n === null ? pathname + params : `#L${n}`);
    setAnchor(n);
  }, []);
  const focusLine = needle ? hit : anchor;
  const showLines = useCallback<ShowLines>((...range) => controller.show(...range), [controller]);

  const now = useNow(live);
  const startedAt = deployment.started_at ? new Date(deployment.started_at).getTime() : null;
  const endAt = deployment.finished_at ? new Date(deployment.finished_at).getTime() : now;
  const elapsed = startedAt === null ? null : endAt - startedAt;
  const waited =
    (deployment.started_at ? new Date(deployment.started_at).getTime() : endAt) -
    new Date(deployment.queued_at).getTime();

  const abort = async () => {
    setBusy(true);
    setActionError(null);
    try {
      await cancelDeployment(deployment.id);
      setDialog('none');
      await refresh();
    } catch (failure) {
      setActionError(failure);
    } finally {
      setBusy(false);
    }
  };

  const redeploy = async () => {
    setBusy(true);
    setActionError(null);
    try {
      const created = await deploy(deployment.build.id, deployment.environment);
      setDialog('none');
      navigate(`/deployments/${created.id}`);
    } catch (failure) {
      setActionError(failure);
    } finally {
      setBusy(false);
    }
  };

  const d = deployment;
  return (
    <div className="page page-deployment">
      <nav className="crumbs" aria-label={t('common.breadcrumbs')}>
        <Link to={`/projects/${d.project.id}`}>{d.project.name}</Link> /{' '}
        <Link to={`/builds/${d.build.id}`}>
          {t('common.build')} #{d.build.id}
        </Link>{' '}
        / <span>{t('deployment.title', { id: d.id })}</span>
      </nav>
      <div className="page-head">
        <h1>
          {t('deployment.title', { id: d.id })} <span className="env">{d.environment}</span>
        </h1>
        <div className="actions">
          {live && canDeploy && (
            <button
              type="button"
              className="btn btn-danger"
              disabled={d.cancel_requested}
              onClick={() => setDialog('abort')}
            >
              {d.cancel_requested ? t('deployment.aborting') : t('deployment.abort')}
            </button>
          )}
          {!live && canDeploy && (
            <button type="button" className="btn" onClick={() => setDialog('redeploy')}>
              {t('deploy.redeploy')}
            </button>
          )}
        </div>
      </div>
      <section className="summary" aria-label={t('common.status')}>
        <div className="summary-item">
          <span className="summary-label">{t('common.status')}</span>
          <span data-testid="deployment-status">
            <StatusBadge status={d.status} /> <RollbackBadge deployment={d} />{' '}
            <Phase phase={d.phase} status={d.status} ended />
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">{t('deployment.elapsed')}</span>
          <span className="mono" data-testid="elapsed">
            {elapsed === null
              ? t('deployment.waiting', { time: formatDuration(waited) })
              : formatDuration(elapsed)}
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">{t('common.build')}</span>
          <span className="mono">
            {d.build.ref} @ {shortSha(d.build.sha)}
          </span>
          <CommitSummary commit={d.build.commit} />
          <span className="small">
            <CommitLinks
              commitUrl={d.build.commit?.url}
              pipelineUrl={d.build.pipeline_url}
              compareUrl={d.compare_url}
            />
          </span>
        </div>
        <div className="summary-item">
          <span className="summary-label">{t('common.who')}</span>
          <span>{d.triggered_by?.login ?? t('deployment.triggerAuto')}</span>
        </div>
        <div className="summary-item">
          <span className="summary-label">{t('common.runner')}</span>
          <span>{d.runner?.name ?? '—'}</span>
        </div>
        <div className="summary-item">
          <span className="summary-label">{t('deployment.queuedAt')}</span>
          <span>{formatDateTime(d.queued_at, locale)}</span>
        </div>
      </section>
      <FreezeOverride deployment={d} onChanged={setDeployment} />
      {(d.status === 'awaiting_approval' || d.approvals.length > 0) && (
        <ApprovalPanel deployment={d} onChange={setDeployment} />
      )}
      {!live && (
        <section className={`outcome outcome-${d.status}`} role="status" data-testid="outcome">
          <StatusBadge status={d.status} />
          {d.status === 'failed' ? (
            <FailureReason deployment={d} />
          ) : (
            <>
              {d.exit_code !== null && <span>{t('deployment.exitCode', { code: d.exit_code })}</span>}
              {d.message && <span className="muted">{deploymentMessage(d.message, t)}</span>}
            </>
          )}
          {d.finished_at && <span className="muted">{formatDateTime(d.finished_at, locale)}</span>}
        </section>
      )}
      <div className="log-toolbar">
        <div className="segmented" role="group" aria-label={t('deployment.streams')}>
          {(['all', 'stdout', 'stderr'] as const).map((f) => (
            <button
              key={f}
              type="button"
              className={filter === f ? 'on' : ''}
              aria-pressed={filter === f}
              onClick={() => setFilter(f)}
            >
              {t(`deployment.stream.${f}`)}
            </button>
          ))}
        </div>
        <form
          className="log-search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            step(1);
          }}
        >
          <label>
            <span className="sr-only">{t('deployment.search')}</span>
            <input
              type="search"
              placeholder={t('deployment.search')}
              value={search}
              onChange={(e) => {
                setSearch(e.target.value);
                setMatchIndex(0);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && e.shiftKey) {
                  e.preventDefault();
                  step(-1);
                }
              }}
            />
          </label>
          {needle && (
            <span className="muted small" aria-live="polite">
              {matches.length
                ? t('deployment.matchOf', {
                    index: Math.min(matchIndex, matches.length - 1) + 1,
                    count: more ? `${matches.length}+` : matches.length,
                  })
                : t(searching ? 'deployment.searching' : 'deployment.noMatch')}
            </span>
          )}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => step(-1)}
            disabled={!matches.length}
            aria-label={t('deployment.previousMatch')}
          >
            ↑
          </button>
          <button
            type="submit"
            className="btn btn-small"
            disabled={!matches.length}
            aria-label={t('deployment.nextMatch')}
          >
            ↓
          </button>
        </form>
        <div className="log-tools">
          <button
            type="button"
            className={`btn btn-small${follow ? ' btn-on' : ''}`}
            aria-pressed={follow}
            onClick={() => setFollow(!follow)}
          >
            {t('deployment.follow')}
          </button>
          <a className="btn btn-small" href={logTextUrl(d.id)} download={`deployment-${d.id}.log`}>
            {t('deployment.download')}
          </a>
        </div>
      </div>
      {logError ? <ErrorBox error={logError} /> : null}
      <LogView
        buffer={controller.buffer}
        version={version}
        filter={filter}
        follow={follow && focusLine === null}
        onFollowChange={(f) => {
          setFollow(f);
          if (f && needle) setSearch('');
          if (f && anchor !== null) linkLine(null);
        }}
        needle={needle}
        focusLine={focusLine}
        onLineClick={linkLine}
        onRange={showLines}
        deploymentId={d.id}
      />
      <p className="muted small log-foot">
        {t('deployment.lines', { count: controller.buffer.size })}
        {controller.loading ? ` · ${t('deployment.loadingHistory')}` : ''}
      </p>
      <ConfirmDialog
        open={dialog === 'abort'}
        title={t('deployment.abortTitle', { environment: d.environment })}
        confirmLabel={t('deployment.abort')}
        danger
        busy={busy}
        error={actionError}
        onConfirm={() => void abort()}
        onCancel={() => setDialog('none')}
      >
        <p>
          {t('deployment.abortBody', {
            ref: d.build.ref,
            sha: shortSha(d.build.sha),
            environment: d.environment,
          })}
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'redeploy'}
        title={t('deploy.redeployTitle', { environment: d.environment })}
        confirmLabel={t('deploy.redeploy')}
        busy={busy}
        error={actionError}
        onConfirm={() => void redeploy()}
        onCancel={() => setDialog('none')}
      >
        <p>
          {t('deploy.what', { ref: d.build.ref, sha: shortSha(d.build.sha), environment: d.environment })}
        </p>
      </ConfirmDialog>
    </div>
  );
}
