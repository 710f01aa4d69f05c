/**
 * Create or edit a branch config: every field of architecture.md §4; secret variable values are
 * write-only.
 */
import { useEffect, useState, type KeyboardEvent } from 'react';
import { BRANCH_LIMITS as L } from '@polytene/protocol/limits';
import { ApiError } from '../api/client';
import { createBranch, deleteBranch, getBranch, getProject, updateBranch } from '../api/endpoints';
import { EMPTY, FIELDS, formProblems, toBody, toForm, type BranchForm } from './branch-form';
import { VariablesEditor } from '../components/VariablesEditor';
import { BranchView } from './BranchView';
import { ConfirmDialog, ErrorBox, Field, Loading, fieldErrors } from '../components/ui';
import { useT } from '../i18n';
import { permissionsOf } from '../lib/permissions';
import { useAsync } from '../lib/useAsync';
import { Link, navigate } from '../router';
import { InputField } from '../components/InputField';
import { useSubmit } from '../lib/useSubmit';
import { FormFooter } from '../components/FormFooter';

/** Tab inserts two spaces in the script editor (Escape then Tab leaves it, for keyboard users). */
function scriptKeys(
  event: KeyboardEvent<HTMLTextAreaElement>,
  onChange: (value: string) => void,
  trap: boolean,
) {
  if (event.key !== 'Tab' || event.shiftKey || !trap) return;
  event.preventDefault();
  const area = event.currentTarget;
  const { selectionStart, selectionEnd, value } = area;
  const next = `${value.slice(0, selectionStart)}  ${value.slice(selectionEnd)}`;
  onChange(next);
  requestAnimationFrame(() => area.setSelectionRange(selectionStart + 2, selectionStart + 2));
}

export function BranchEditorPage({ projectId, branchId }: { projectId: number; branchId: number | null }) {
  const t = useT();
  const project = useAsync((signal) => getProject(projectId, signal), [projectId]);
  const existing = useAsync(
    (signal) => (branchId === null ? Promise.resolve(null) : getBranch(projectId, branchId, signal)),
    [projectId, branchId],
  );
  const [form, setForm] = useState<BranchForm>(EMPTY);
  const { busy, error, setError, onSubmit } = useSubmit(async () => {
    const local = formProblems(form);
    if (local.length) throw new ApiError(400, 'VALIDATION_FAILED', 'the form has problems', local);
    const body = toBody(form);
    if (branchId === null) {
      const created = await createBranch(projectId, body);
      navigate(`/projects/${projectId}/branches/${created.id}?saved`, { replace: true });
      return;
    }
    setForm(toForm(await updateBranch(projectId, branchId, body)));
    setSaved(true);
  });
  // After a create the editor reopens at the new config's address with ?saved, to keep saying so.
  const [saved, setSaved] = useState(() => new URLSearchParams(window.location.search).has('saved'));
  const [deleting, setDeleting] = useState(false);
  const [tabTrap, setTabTrap] = useState(true);
  const errors = fieldErrors(error);

  useEffect(() => {
    if (existing.data) setForm(toForm(existing.data));
    else if (branchId === null && project.data)
      setForm((f) => (f.branch_name ? f : { ...f, branch_name: project.data?.default_branch ?? '' }));
  }, [existing.data, branchId, project.data]);

  if ((existing.loading && branchId !== null) || project.loading) return <Loading />;
  if (existing.error) return <ErrorBox error={existing.error} onRetry={existing.reload} />;
  if (project.error) return <ErrorBox error={project.error} onRetry={project.reload} />;
  // Who may not change branch configs sees the config, not a form that fails on Save.
  if (project.data && !permissionsOf(project.data).edit_branches)
    return <BranchView project={project.data} config={existing.data} />;

  const set = <K extends keyof BranchForm>(key: K, value: BranchForm[K]) => {
    setSaved(false);
    setForm((f) => ({ ...f, [key]: value }));
  };

  const remove = async () => {
    if (branchId === null) return;
    try {
      await deleteBranch(projectId, branchId);
      navigate(`/projects/${projectId}`);
    } catch (failure) {
      setError(failure);
      setDeleting(false);
    }
  };

  return (
    <div className="page">
      <nav className="crumbs" aria-label={t('common.breadcrumbs')}>
        <Link to="/projects">{t('nav.projects')}</Link> /{' '}
        <Link to={`/projects/${projectId}`}>{project.data?.name}</Link> /{' '}
        <span>{branchId === null ? t('project.addBranch') : form.branch_name}</span>
      </nav>
      <h1>{branchId === null ? t('branch.newTitle') : t('branch.editTitle', { name: form.branch_name })}</h1>
      <form className="card form form-wide" onSubmit={onSubmit} noValidate>
        <div className="grid-2">
          <InputField
            label={t('branch.name')}
            error={errors.of('branch_name')}
            hint={t('branch.nameHint')}
            className="mono"
            value={form.branch_name}
            onChange={(e) => set('branch_name', e.target.value)}
            maxLength={L.branch_name.maxLength}
            required
          />
          <InputField
            label={t('common.environment')}
            error={errors.of('environment')}
            className="mono"
            value={form.environment}
            onChange={(e) => set('environment', e.target.value)}
            maxLength={L.environment.maxLength}
            required
          />
          <Field label={t('branch.mode')} error={errors.of('deployment_type')}>
            {(p) => (
              <select
                {...p}
                value={form.deployment_type}
                onChange={(e) => set('deployment_type', e.target.value as 'manual' | 'auto')}
              >
                <option value="manual">{t('branch.manual')}</option>
                <option value="auto">{t('branch.auto')}</option>
              </select>
            )}
          </Field>
          <InputField
            label={t('branch.timeout')}
            error={errors.of('timeout_seconds')}
            hint={t('branch.timeoutHint')}
            type="number"
            min={L.timeout_seconds.minimum}
            max={L.timeout_seconds.maximum}
            step={1}
            required
            value={form.timeout_seconds}
            onChange={(e) => set('timeout_seconds', e.target.value)}
          />
          <InputField
            label={t('branch.artifactsDir')}
            error={errors.of('artifacts_dir')}
            hint={t('branch.artifactsHint')}
            className="mono"
            value={form.artifacts_dir}
            onChange={(e) => set('artifacts_dir', e.target.value)}
            maxLength={L.artifacts_dir.maxLength}
            required
          />
          <InputField
            label={t('branch.emails')}
            error={errors.of('notification_emails')}
            hint={t('branch.emailsHint')}
            value={form.notification_emails}
            onChange={(e) => set('notification_emails', e.target.value)}
          />
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={form.failed_build_can_be_auto_deployed}
            onChange={(e) => set('failed_build_can_be_auto_deployed', e.target.checked)}
          />
          {t('branch.failedAuto')}
        </label>
        <Field
          label={t('branch.script')}
          error={errors.of('deployment_script')}
          hint={
            <>
              {t('branch.scriptHint')}{' '}
              <button type="button" className="link-button" onClick={() => setTabTrap(!tabTrap)}>
                {tabTrap ? t('branch.tabInserts') : t('branch.tabMoves')}
              </button>
            </>
          }
        >
          {(p) => (
            <textarea
              {...p}
              className="script-editor"
              spellCheck={false}
              rows={Math.max(10, form.deployment_script.split('\n').length + 2)}
              value={form.deployment_script}
              maxLength={L.deployment_script.maxLength}
              onChange={(e) => set('deployment_script', e.target.value)}
              onKeyDown={(e) => scriptKeys(e, (v) => set('deployment_script', v), tabTrap)}
              placeholder={'npm ci\nnpm run build\nrsync -a dist/ deploy@host:/srv/app/'}
            />
          )}
        </Field>
        <VariablesEditor
          rows={form.variables}
          errors={errors}
          onChange={(rows) => set('variables', rows)}
          hint={t('branch.variablesHint')}
        />
        <FormFooter
          error={error}
          fields={FIELDS}
          saved={saved}
          busy={busy}
          submitLabel={branchId === null ? t('common.create') : t('common.save')}
        >
          <Link to={`/projects/${projectId}`} className="btn">
            {t('common.back')}
          </Link>
          {branchId !== null && (
            <button type="button" className="btn btn-danger push-right" onClick={() => setDeleting(true)}>
              {t('common.delete')}
            </button>
          )}
        </FormFooter>
      </form>
      <ConfirmDialog
        open={deleting}
        title={t('branch.deleteTitle', { name: form.branch_name })}
        confirmLabel={t('common.delete')}
        danger
        onConfirm={() => void remove()}
        onCancel={() => setDeleting(false)}
      >
        <p>{t('branch.deleteBody')}</p>
      </ConfirmDialog>
    </div>
  );
}
