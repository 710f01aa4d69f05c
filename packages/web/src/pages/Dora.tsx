/** A project's DORA metrics per environment over 7, 30 or 90 days, with the daily deployments chart. */
import type { DoraEnvironment } from '@polytene/protocol';
import { getDora, getProject } from '../api/endpoints';
import { DeploymentsChart } from '../components/Chart';
import { Empty, ErrorBox, Loading } from '../components/ui';
import { useI18n, type Translate } from '../i18n';
import { useAsync } from '../lib/useAsync';
import { Link, setSearch, useLocation } from '../router';

const WINDOWS = [7, 30, 90] as const;

/** Seconds in words: seconds under two minutes, minutes under two hours, hours under two days, else days; one decimal. */
function duration(seconds: number | null, t: Translate, number: (n: number) => string): string {
  if (seconds === null) return t('dora.none');
  if (seconds < 120) return t('dora.seconds', { n: number(seconds) });
  if (seconds < 7200) return t('dora.minutes', { n: number(seconds / 60) });
  if (seconds < 172_800) return t('dora.hours', { n: number(seconds / 3600) });
  return t('dora.daysValue', { n: number(seconds / 86_400) });
}

function EnvironmentMetrics({ env }: { env: DoraEnvironment }) {
  const { t, locale } = useI18n();
  const number = (n: number, digits = 1) =>
    n.toLocaleString(locale === 'pl' ? 'pl-PL' : 'en-GB', {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
  const finished = env.deployments + env.failures;
  return (
    <section className="card" aria-labelledby={`dora-${env.environment}`}>
      <h2 id={`dora-${env.environment}`} className="mono">
        {env.environment}
      </h2>
      <dl className="facts">
        <dt>{t('dora.frequency')}</dt>
        <dd>
          <strong>{t('dora.frequencyValue', { n: number(env.deploymentsPerDay, 2) })}</strong>{' '}
          <span className="muted small">{t('dora.frequencyHint', { count: env.deployments })}</span>
        </dd>
        <dt>{t('dora.leadTime')}</dt>
        <dd>
          <strong>{duration(env.leadTime.median, t, number)}</strong>{' '}
          <span className="muted small">
            {t('dora.leadTimeHint', { p90: duration(env.leadTime.p90, t, number) })}
          </span>
        </dd>
        <dt>{t('dora.failureRate')}</dt>
        <dd>
          <strong>
            {env.changeFailureRate === null ? t('dora.none') : `${number(env.changeFailureRate * 100)}%`}
          </strong>{' '}
          <span className="muted small">
            {t('dora.failureRateHint', { failures: env.failures, finished })}
          </span>
        </dd>
        <dt>{t('dora.restore')}</dt>
        <dd>
          <strong>{duration(env.timeToRestore.median, t, number)}</strong>{' '}
          <span className="muted small">
            {t('dora.restoreHint', { unrestored: env.timeToRestore.unrestored })}
          </span>
        </dd>
      </dl>
      <DeploymentsChart
        days={env.series.map((d) => ({ day: d.date, succeeded: d.deployments, failed: d.failures }))}
      />
    </section>
  );
}

export function DoraPage({ projectId }: { projectId: number }) {
  const { t } = useI18n();
  const { search } = useLocation();
  const days = WINDOWS.find((w) => String(w) === search.get('days')) ?? 30;
  const project = useAsync((signal) => getProject(projectId, signal), [projectId]);
  const dora = useAsync((signal) => getDora(projectId, days, signal), [projectId, days]);
  return (
    <div className="page">
      <nav className="crumbs" aria-label={t('common.breadcrumbs')}>
        <Link to="/projects">{t('nav.projects')}</Link> /{' '}
        <Link to={`/projects/${projectId}`}>{project.data?.name ?? '…'}</Link> /{' '}
        <span>{t('dora.title')}</span>
      </nav>
      <h1>{t('dora.title')}</h1>
      <div className="segmented" role="group" aria-label={t('dora.window')}>
        {WINDOWS.map((w) => (
          <button
            key={w}
            type="button"
            className={days === w ? 'on' : ''}
            aria-pressed={days === w}
            onClick={() => setSearch({ days: w === 30 ? null : w })}
          >
            {t('dora.days', { days: w })}
          </button>
        ))}
      </div>
      {dora.loading && <Loading />}
      {dora.error ? <ErrorBox error={dora.error} onRetry={dora.reload} /> : null}
      {dora.data !== null && !dora.loading && dora.data.environments.length === 0 && (
        <Empty title={t('dora.empty')} />
      )}
      {dora.data !== null &&
        !dora.loading &&
        dora.data.environments.map((env) => <EnvironmentMetrics key={env.environment} env={env} />)}
    </div>
  );
}
