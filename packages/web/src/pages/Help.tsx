/** How to start: from install to the first deployment. */
import type { MessageKey } from '../i18n';
import { useT } from '../i18n';
import { Link } from '../router';
import { LanguageSwitch, Logo } from '../components/Layout';

const STEPS: { title: MessageKey; body: MessageKey; code?: string }[] = [
  { title: 'help.step1', body: 'help.step1Body', code: 'npm install && npm start' },
  { title: 'help.step2', body: 'help.step2Body' },
  {
    title: 'help.step3',
    body: 'help.step3Body',
    code: 'polytene-runner configure --url https://polytene.example.com --token prt_…\npolytene-runner start',
  },
  { title: 'help.step4', body: 'help.step4Body' },
  { title: 'help.step5', body: 'help.step5Body' },
  {
    title: 'help.step6',
    body: 'help.step6Body',
    code: 'curl -X POST -H "Authorization: Bearer pt_…" -H "content-type: application/json" \\\n  -d \'{"ref":"main","sha":"<40 hex>","status":"success"}\' \\\n  https://polytene.example.com/api/v1/projects/1/builds',
  },
  { title: 'help.step7', body: 'help.step7Body' },
];

export function HelpPage({ publicView = false }: { publicView?: boolean }) {
  const t = useT();
  return (
    <div className={publicView ? 'landing' : 'page'}>
      {publicView && (
        <header className="landing-top">
          <Link to="/" className="brand">
            <Logo /> Polytene
          </Link>
          <div className="topbar-tools">
            <LanguageSwitch />
            <Link to="/login" className="btn btn-primary btn-small">
              {t('login.submit')}
            </Link>
          </div>
        </header>
      )}
      <article className="card help">
        <h1>{t('help.title')}</h1>
        <p className="lead">{t('help.lead')}</p>
        <ol className="steps">
          {STEPS.map((step) => (
            <li key={step.title}>
              <h2>{t(step.title)}</h2>
              <p>{t(step.body)}</p>
              {step.code && <pre className="code-block">{step.code}</pre>}
            </li>
          ))}
        </ol>
        <h2>{t('help.moreTitle')}</h2>
        <p>
          {t('help.apiDocs')} <a href="/api/docs">/api/docs</a>
        </p>
        <p>{t('help.keyboard')}</p>
      </article>
    </div>
  );
}
