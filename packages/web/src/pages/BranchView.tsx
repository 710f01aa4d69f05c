/** A branch config for those who may see but not change it: the same facts as the editor, read only. */
import { Fragment } from 'react';
import type { BranchConfigView, ProjectView } from '@polytene/protocol';
import { useT } from '../i18n';
import { Link } from '../router';

export function BranchView({ project, config }: { project: ProjectView; config: BranchConfigView | null }) {
  const t = useT();
  return (
    <div className="page">
      <nav className="crumbs" aria-label={t('common.breadcrumbs')}>
        <Link to="/projects">{t('nav.projects')}</Link> /{' '}
        <Link to={`/projects/${project.id}`}>{project.name}</Link>
        {config && (
          <>
            {' '}
            / <span>{config.branch_name}</span>
          </>
        )}
      </nav>
      <h1>{config ? t('branch.editTitle', { name: config.branch_name }) : t('branch.newTitle')}</h1>
      <p className="notice" role="status" data-testid="branch-read-only">
        {config ? t('branch.readOnly') : t('branch.readOnlyNew')}
      </p>
      {config && (
        <section
          className="card branch-view"
          aria-label={t('branch.editTitle', { name: config.branch_name })}
        >
          <dl className="facts">
            <dt>{t('branch.name')}</dt>
            <dd className="mono">{config.branch_name}</dd>
            <dt>{t('common.environment')}</dt>
            <dd>
              <span className="env">{config.environment}</span>
            </dd>
            <dt>{t('branch.mode')}</dt>
            <dd>{config.deployment_type === 'auto' ? t('branch.auto') : t('branch.manual')}</dd>
            <dt>{t('branch.timeout')}</dt>
            <dd>{config.timeout_seconds} s</dd>
            <dt>{t('branch.artifactsDir')}</dt>
            <dd className="mono">{config.artifacts_dir}</dd>
            <dt>{t('branch.emails')}</dt>
            <dd>{config.notification_emails.join(', ') || '—'}</dd>
            <dt>{t('branch.failedAuto')}</dt>
            <dd>{config.failed_build_can_be_auto_deployed ? t('common.yes') : t('common.no')}</dd>
          </dl>
          <h2>{t('branch.script')}</h2>
          <pre className="code-block" data-testid="branch-script">
            {config.deployment_script}
          </pre>
          <h2>{t('branch.variables')}</h2>
          {config.variables.length === 0 ? (
            <p className="muted">{t('branch.noVariables')}</p>
          ) : (
            <dl className="facts">
              {config.variables.map((v) => (
                <Fragment key={v.key}>
                  <dt className="mono">{v.key}</dt>
                  <dd className={v.secret ? 'muted' : 'mono'}>
                    {v.secret ? t('branch.secretHidden') : (v.value ?? '')}
                  </dd>
                </Fragment>
              ))}
            </dl>
          )}
        </section>
      )}
      <div className="actions">
        <Link to={`/projects/${project.id}`} className="btn">
          {t('common.back')}
        </Link>
      </div>
    </div>
  );
}
