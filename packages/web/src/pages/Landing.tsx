/** The public front page: what Polytene is, a login link, public projects' last 30 days. */
import { getPublicDeploymentStats } from '../api/endpoints';
import { DeploymentsChart } from '../components/Chart';
import { fillDays } from '../components/chart-data';
import { LanguageSwitch, Logo, ThemeSwitch } from '../components/Layout';
import { ErrorBox, Loading } from '../components/ui';
import { useT } from '../i18n';
import { useAsync } from '../lib/useAsync';
import { Link } from '../router';

export function LandingPage() {
  const t = useT();
  const stats = useAsync((signal) => getPublicDeploymentStats(30, signal), []);
  return (
    <div className="landing">
      <header className="landing-top">
        <span className="brand">
          <Logo /> Polytene
        </span>
        <div className="topbar-tools">
          <LanguageSwitch />
          <ThemeSwitch />
          <Link to="/help" className="btn btn-small">
            {t('nav.help')}
          </Link>
          <Link to="/login" className="btn btn-primary btn-small">
            {t('login.submit')}
          </Link>
        </div>
      </header>
      <section className="hero">
        <h1>{t('landing.title')}</h1>
        <p className="lead">{t('landing.lead')}</p>
        <ul className="features">
          <li>{t('landing.feature1')}</li>
          <li>{t('landing.feature2')}</li>
          <li>{t('landing.feature3')}</li>
        </ul>
        <Link to="/login" className="btn btn-primary">
          {t('landing.cta')}
        </Link>
      </section>
      <section className="card" aria-labelledby="public-chart">
        <h2 id="public-chart">{t('landing.chartTitle')}</h2>
        {stats.loading && <Loading />}
        {stats.error ? <ErrorBox error={stats.error} onRetry={stats.reload} /> : null}
        {stats.data !== null && !stats.loading && <DeploymentsChart days={fillDays(stats.data, 30)} />}
      </section>
    </div>
  );
}
