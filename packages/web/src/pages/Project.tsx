/** One project: webhook, runner and deploy key, branch configs, recent builds; edit and delete. */
import { useState } from 'react';
import type { ProjectView } from '@polytene/protocol';
import {
  deleteProject,
  getProject,
  listBranches,
  listBuilds,
  listEnvironments,
  updateProject,
} from '../api/endpoints';
import { inProject, useLiveList } from '../api/events';
import { BuildsTable } from './Builds';
import { GithubConnection } from '../components/GithubConnection';
import { ProjectMembers } from './ProjectMembers';
import { ProjectNotifications } from './ProjectNotifications';
import { ProjectFields, type ProjectForm } from './Projects';
import { DataTable, ConfirmDialog, CopyField, Empty, ErrorBox, FormError, Loading } from '../components/ui';
import { useT } from '../i18n';
import { projectSourceLabel } from '../lib/projectSource';
import { permissionsOf } from '../lib/permissions';
import { useAsync } from '../lib/useAsync';
import { Link, navigate } from '../router';
import { useUser } from '../session';
import { useSubmit } from '../lib/useSubmit';

export function ProjectPage({ id }: { id: number }) {
  const t = useT();
  const me = useUser();
  const project = useAsync((signal) => getProject(id, signal), [id]);
  const branches = useAsync((signal) => listBranches(id, signal), [id]);
  const builds = useAsync((signal) => listBuilds(id, { per_page: 10 }, signal), [id]);
  const environments = useAsync((signal) => listEnvironments(id, signal), [id]);
  useLiveList(inProject(id), () => {
    builds.reload();
    environments.reload();
  });
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);

  if (project.loading && !project.data) return <Loading />;
  if (project.error || !project.data) return <ErrorBox error={project.error} onRetry={project.reload} />;
  const p = project.data;
  const can = permissionsOf(p);
  const branchList = branches.data?.branches ?? [];
  const buildList = builds.data?.builds ?? [];

  const remove = async () => {
    try {
      await deleteProject(id);
      navigate('/projects');
    } catch (failure) {
      setDeleteError(failure);
    }
  };

  return (
    <div className="page">
      <nav className="crumbs" aria-label={t('common.breadcrumbs')}>
        <Link to="/projects">{t('nav.projects')}</Link> / <span>{p.name}</span>
      </nav>
      <div className="page-head">
        <h1>{p.name}</h1>
        {(can.edit_project || can.delete_project) && (
          <div className="actions">
            {can.edit_project && (
              <button
                type="button"
                className="btn"
                onClick={() => setEditing(!editing)}
                aria-expanded={editing}
              >
                {t('common.edit')}
              </button>
            )}
            {can.delete_project && (
              <button type="button" className="btn btn-danger" onClick={() => setDeleting(true)}>
                {t('common.delete')}
              </button>
            )}
          </div>
        )}
      </div>
      {editing && can.edit_project && (
        <EditProject
          project={p}
          onSaved={(saved) => {
            project.setData({ ...p, ...saved });
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <div className="grid-2">
        <section className="card" aria-labelledby="repo">
          <h2 id="repo">{t('project.repository')}</h2>
          <dl className="facts">
            <dt>{t('projects.cloneUrl')}</dt>
            <dd className="mono">{p.clone_url}</dd>
            <dt>{t('projects.defaultBranch')}</dt>
            <dd className="mono">{p.default_branch}</dd>
            <dt>{t('project.source')}</dt>
            <dd>{projectSourceLabel(p.source, t('projects.manual'))}</dd>
            <dt>{t('projects.publicLabel')}</dt>
            <dd>{p.public ? t('common.yes') : t('common.no')}</dd>
            {p.web_url && (
              <>
                <dt>{t('project.webUrl')}</dt>
                <dd>
                  <a href={p.web_url} target="_blank" rel="noreferrer">
                    {p.web_url}
                  </a>
                </dd>
              </>
            )}
          </dl>
        </section>
        <section className="card" aria-labelledby="runner">
          <h2 id="runner">{t('common.runner')}</h2>
          <dl className="facts">
            <dt>{t('project.linkedRunner')}</dt>
            <dd>
              {p.runner ? (
                <Link to="/runners">{p.runner.name}</Link>
              ) : (
                <span className="warn-text">{t('projects.noRunner')}</span>
              )}
            </dd>
            <dt>{t('project.deployKey')}</dt>
            <dd>
              <span
                className={`tag ${p.deploy_key_state === 'failed' ? 'tag-bad' : p.deploy_key_state === 'registered' ? 'tag-ok' : ''}`}
              >
                {t(`deployKey.${p.deploy_key_state ?? 'none'}`)}
              </span>
              {p.deploy_key_error && <p className="field-error">{p.deploy_key_error}</p>}
            </dd>
          </dl>
          <p className="hint">{t('projects.runnerHint')}</p>
        </section>
      </div>
      {p.webhook_urls && p.webhook_secret && (
        <section className="card" aria-labelledby="webhook">
          <h2 id="webhook">{t('project.webhook')}</h2>
          <p className="hint">{t('project.webhookHint')}</p>
          <CopyField label={t('project.webhookUrl')} value={p.webhook_urls.gitlab} />
          <CopyField label={t('project.webhookSecret')} value={p.webhook_secret} />
          <CopyField label={t('project.legacyUrl')} value={p.webhook_urls.legacy} />
          {p.github && (
            <p>
              {t('project.githubRepository')}: <code>{p.github.repository}</code>
            </p>
          )}
          <p className="hint">{t('project.githubWebhookHint')}</p>
          <CopyField label={t('project.githubWebhookUrl')} value={p.webhook_urls.github} />
        </section>
      )}
      {can.edit_project && p.source !== 'gitlab' && (
        <GithubConnection project={p} onChange={(saved) => project.setData({ ...p, ...saved })} />
      )}
      <section className="card" aria-labelledby="branches">
        <div className="section-head">
          <h2 id="branches">{t('project.branches')}</h2>
          {can.edit_branches && (
            <Link to={`/projects/${id}/branches/new`} className="btn btn-primary btn-small">
              {t('project.addBranch')}
            </Link>
          )}
        </div>
        {branches.loading && <Loading />}
        {branches.error ? <ErrorBox error={branches.error} onRetry={branches.reload} /> : null}
        {branches.data !== null && branchList.length === 0 && (
          <Empty title={t('project.noBranches')}>
            <p>{t('project.noBranchesHint')}</p>
          </Empty>
        )}
        {branchList.length > 0 && (
          <DataTable
            columns={[t('branch.name'), t('common.environment'), t('branch.mode'), t('branch.timeout')]}
          >
            {branchList.map((b) => (
              <tr key={b.id}>
                <td>
                  <Link to={`/projects/${id}/branches/${b.id}`} className="mono">
                    {b.branch_name}
                  </Link>
                </td>
                <td>
                  <span className="env">{b.environment}</span>
                </td>
                <td>{b.deployment_type === 'auto' ? t('branch.auto') : t('branch.manual')}</td>
                <td>{b.timeout_seconds} s</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
      {can.manage_members && <ProjectMembers project={p} meId={me.id} onOwnChange={project.reload} />}
      {can.edit_project && <ProjectNotifications project={p} />}
      <section className="card" aria-labelledby="project-envs">
        <div className="section-head">
          <h2 id="project-envs">{t('dashboard.environments')}</h2>
          <Link to={`/projects/${id}/deployments`} className="btn btn-small">
            {t('deployments.all')}
          </Link>
        </div>
        {environments.data && (
          <ul className="plain-list">
            {environments.data.environments.map((env) => (
              <li key={env.id}>
                <Link to={`/environments/${env.id}`} className="env">
                  {env.name}
                </Link>
                {env.url && <span className="muted small mono"> {env.url}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="builds">
        <div className="section-head">
          <h2 id="builds">{t('project.recentBuilds')}</h2>
          <Link to={`/projects/${id}/builds`} className="btn btn-small">
            {t('project.allBuilds')}
          </Link>
          <Link to={`/projects/${id}/dora`} className="btn btn-small">
            {t('dora.link')}
          </Link>
        </div>
        {builds.loading && !builds.data && <Loading />}
        {builds.error ? <ErrorBox error={builds.error} onRetry={builds.reload} /> : null}
        {builds.data !== null && buildList.length === 0 && (
          <Empty title={t('builds.empty')}>
            <p>{t('builds.emptyHint')}</p>
          </Empty>
        )}
        {buildList.length > 0 && <BuildsTable builds={buildList} />}
      </section>
      <ConfirmDialog
        open={deleting}
        title={t('project.deleteTitle', { name: p.name })}
        confirmLabel={t('common.delete')}
        danger
        error={deleteError}
        onConfirm={() => void remove()}
        onCancel={() => {
          setDeleting(false);
          setDeleteError(null);
        }}
      >
        <p>{t('project.deleteBody')}</p>
      </ConfirmDialog>
    </div>
  );
}

function EditProject({
  project,
  onSaved,
  onCancel,
}: {
  project: ProjectView;
  onSaved: (p: ProjectView) => void;
  onCancel: () => void;
}) {
  const t = useT();
  const [form, setForm] = useState<ProjectForm>({
    name: project.name,
    clone_url: project.clone_url,
    default_branch: project.default_branch,
    runner_id: project.runner?.id ?? null,
    public: project.public,
  });
  const { busy, error, onSubmit } = useSubmit(async () => onSaved(await updateProject(project.id, form)));
  return (
    <form className="card form" onSubmit={onSubmit} noValidate>
      <h2>{t('project.edit')}</h2>
      <ProjectFields form={form} set={setForm} error={error} />
      <FormError error={error} fields={['name', 'clone_url', 'default_branch', 'runner_id', 'public']} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('common.save')}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
