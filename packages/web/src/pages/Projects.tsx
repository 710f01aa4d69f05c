/** Project list with search; create by clone URL; import from GitLab. */
import { useState } from 'react';
import { PROJECT_LIMITS } from '@polytene/protocol/limits';
import type { CreateProjectBody } from '@polytene/protocol';
import { ApiError } from '../api/client';
import {
  createProject,
  importGitlabProjects,
  listGitlabProjects,
  listProjects,
  listRunners,
} from '../api/endpoints';
import { Empty, ErrorBox, Field, FormError, Loading, Pagination, fieldErrors } from '../components/ui';
import { useT } from '../i18n';
import { projectSourceLabel } from '../lib/projectSource';
import { useAsync } from '../lib/useAsync';
import { useDebounced } from '../lib/useDebounced';
import { Link, navigate, setSearch, useLocation } from '../router';
import { InputField } from '../components/InputField';
import { useSubmit } from '../lib/useSubmit';

const PER_PAGE = 20;

export function ProjectsPage() {
  const t = useT();
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const page = Number(search.get('page') ?? 1) || 1;
  const [panel, setPanel] = useState<'none' | 'create' | 'import'>('none');
  const list = useAsync((signal) => listProjects({ q, page, per_page: PER_PAGE }, signal), [q, page]);
  const projects = list.data;

  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('nav.projects')}</h1>
        <div className="actions">
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setPanel(panel === 'create' ? 'none' : 'create')}
            aria-expanded={panel === 'create'}
          >
            {t('projects.create')}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => setPanel(panel === 'import' ? 'none' : 'import')}
            aria-expanded={panel === 'import'}
          >
            {t('projects.import')}
          </button>
        </div>
      </div>
      {panel === 'create' && <CreateProject onDone={() => setPanel('none')} />}
      {panel === 'import' && <GitlabImport onImported={list.reload} />}
      <div className="toolbar">
        <label className="search">
          <span className="sr-only">{t('common.search')}</span>
          <input
            type="search"
            placeholder={t('projects.searchPlaceholder')}
            defaultValue={q}
            onChange={(e) => setSearch({ q: e.target.value, page: null })}
          />
        </label>
      </div>
      {list.loading && !projects && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {projects && projects.projects.length === 0 && (
        <Empty title={q ? t('projects.noMatch') : t('projects.empty')}>
          {!q && <p>{t('projects.emptyHint')}</p>}
        </Empty>
      )}
      {projects && projects.projects.length > 0 && (
        <ul className="cards">
          {projects.projects.map((p) => (
            <li key={p.id} className="card card-link">
              <Link to={`/projects/${p.id}`} className="card-title">
                {p.name}
              </Link>
              <p className="mono muted small">{p.clone_url}</p>
              <p className="small">
                <span className="tag">{projectSourceLabel(p.source, t('projects.manual'))}</span>{' '}
                {p.public && <span className="tag">{t('projects.public')}</span>}{' '}
                {p.runner ? (
                  <span className="tag">
                    {t('common.runner')}: {p.runner.name}
                  </span>
                ) : (
                  <span className="tag tag-warn">{t('projects.noRunner')}</span>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
      {projects && (
        <Pagination
          page={page}
          perPage={projects.per_page || PER_PAGE}
          total={projects.total}
          onPage={(p) => setSearch({ page: p })}
        />
      )}
    </div>
  );
}

export interface ProjectForm {
  name: string;
  clone_url: string;
  default_branch: string;
  runner_id: number | null;
  public: boolean;
}

export function useRunners() {
  return useAsync((signal) => listRunners(signal), []);
}

/** The fields shared by create and edit. */
export function ProjectFields({
  form,
  set,
  error,
}: {
  form: ProjectForm;
  set: (f: ProjectForm) => void;
  error: unknown;
}) {
  const t = useT();
  const errors = fieldErrors(error);
  const runners = useRunners();
  return (
    <>
      <InputField
        label={t('projects.name')}
        error={errors.of('name')}
        value={form.name}
        onChange={(e) => set({ ...form, name: e.target.value })}
        maxLength={PROJECT_LIMITS.name.maxLength}
        required
      />
      <InputField
        label={t('projects.cloneUrl')}
        error={errors.of('clone_url')}
        hint={t('projects.cloneUrlHint')}
        className="mono"
        value={form.clone_url}
        placeholder="git@gitlab.example.com:team/app.git"
        onChange={(e) => set({ ...form, clone_url: e.target.value })}
        maxLength={PROJECT_LIMITS.clone_url.maxLength}
        required
      />
      <InputField
        label={t('projects.defaultBranch')}
        error={errors.of('default_branch')}
        className="mono"
        value={form.default_branch}
        onChange={(e) => set({ ...form, default_branch: e.target.value })}
        maxLength={PROJECT_LIMITS.default_branch.maxLength}
      />
      <Field label={t('common.runner')} error={errors.of('runner_id')} hint={t('projects.runnerHint')}>
        {(p) => (
          <select
            {...p}
            value={form.runner_id ?? ''}
            onChange={(e) => set({ ...form, runner_id: e.target.value ? Number(e.target.value) : null })}
          >
            <option value="">{t('projects.noRunnerOption')}</option>
            {(runners.data?.runners ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
                {r.shared ? ` (${t('runners.shared')})` : ''}
              </option>
            ))}
          </select>
        )}
      </Field>
      <label className="check">
        <input
          type="checkbox"
          checked={form.public}
          onChange={(e) => set({ ...form, public: e.target.checked })}
        />
        {t('projects.publicHint')}
      </label>
    </>
  );
}

const PROJECT_FIELDS = ['name', 'clone_url', 'default_branch', 'runner_id', 'public'];

function CreateProject({ onDone }: { onDone: () => void }) {
  const t = useT();
  const [form, setForm] = useState<ProjectForm>({
    name: '',
    clone_url: '',
    default_branch: 'main',
    runner_id: null,
    public: false,
  });
  const { busy, error, onSubmit } = useSubmit(async () => {
    const body: CreateProjectBody = { name: form.name, clone_url: form.clone_url, public: form.public };
    if (form.default_branch) body.default_branch = form.default_branch;
    if (form.runner_id !== null) body.runner_id = form.runner_id;
    const created = await createProject(body);
    onDone();
    navigate(`/projects/${created.id}`);
  });
  return (
    <form className="card form" onSubmit={onSubmit} noValidate aria-labelledby="create-project">
      <h2 id="create-project">{t('projects.create')}</h2>
      <ProjectFields form={form} set={setForm} error={error} />
      <FormError error={error} fields={PROJECT_FIELDS} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('common.create')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Search the user's GitLab and import many at once; explains itself when GitLab is not available. */
function GitlabImport({ onImported }: { onImported: () => void }) {
  const t = useT();
  const [search, setSearchText] = useState('');
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [result, setResult] = useState<string | null>(null);
  const [importError, setImportError] = useState<unknown>(null);
  const wanted = useDebounced(search.trim());
  const found = useAsync((signal) => listGitlabProjects(wanted, signal), [wanted]);
  const unavailable = found.error instanceof ApiError && found.error.status === 404;
  const items = found.data?.projects ?? [];
  const toggle = (id: number) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setPicked(next);
  };
  const importPicked = async () => {
    setImportError(null);
    try {
      await importGitlabProjects([...picked]);
      setResult(t('projects.imported', { count: picked.size }));
      setPicked(new Set());
      onImported();
      found.reload();
    } catch (failure) {
      setImportError(failure);
    }
  };
  return (
    <section className="card" aria-labelledby="gitlab-import">
      <h2 id="gitlab-import">{t('projects.import')}</h2>
      {unavailable ? (
        <Empty title={t('projects.gitlabUnavailable')}>
          <p>
            {t('projects.gitlabUnavailableHint')} <Link to="/profile">{t('nav.profile')}</Link>
          </p>
        </Empty>
      ) : (
        <>
          <label className="search">
            <span className="sr-only">{t('common.search')}</span>
            <input
              type="search"
              placeholder={t('projects.gitlabSearch')}
              value={search}
              onChange={(e) => setSearchText(e.target.value)}
            />
          </label>
          {found.loading && <Loading />}
          {found.error && !unavailable ? <ErrorBox error={found.error} onRetry={found.reload} /> : null}
          {!found.loading && found.data !== null && items.length === 0 && (
            <Empty title={t('projects.noMatch')} />
          )}
          <ul className="pick-list">
            {items.map((p) => (
              <li key={p.id}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={picked.has(p.id)}
                    disabled={Boolean(p.imported_as)}
                    onChange={() => toggle(p.id)}
                  />
                  <span className="mono">{p.path_with_namespace}</span>
                  {p.imported_as ? (
                    <Link to={`/projects/${p.imported_as}`} className="tag">
                      {t('projects.alreadyImported')}
                    </Link>
                  ) : null}
                </label>
              </li>
            ))}
          </ul>
          {importError ? <ErrorBox error={importError} /> : null}
          {result && (
            <p className="notice notice-ok" role="status">
              {result}
            </p>
          )}
          <button
            type="button"
            className="btn btn-primary"
            disabled={picked.size === 0}
            onClick={() => void importPicked()}
          >
            {t('projects.importSelected', { count: picked.size })}
          </button>
        </>
      )}
    </section>
  );
}
