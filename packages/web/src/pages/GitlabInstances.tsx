/** Administrators: the GitLab instances members may connect to (name and URL); add, edit, delete. */
import { useState, type FormEvent } from 'react';
import type { GitlabInstanceView } from '@polytene/protocol';
import {
  createGitlabInstance,
  deleteGitlabInstance,
  listGitlabInstances,
  updateGitlabInstance,
} from '../api/endpoints';
import { DataTable, ConfirmDialog, Empty, ErrorBox, FormError, Loading, fieldErrors } from '../components/ui';
import { useT } from '../i18n';
import { useAsync } from '../lib/useAsync';
import { useUser } from '../session';
import { InputField } from '../components/InputField';

const BLANK = { name: '', url: '' };

export function GitlabInstancesPage() {
  const t = useT();
  const me = useUser();
  const list = useAsync((signal) => listGitlabInstances(signal), []);
  /** null: adding a new one; a number: editing that instance. */
  const [editing, setEditing] = useState<number | null>(null);
  const [form, setForm] = useState(BLANK);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [removing, setRemoving] = useState<GitlabInstanceView | null>(null);
  const [removeError, setRemoveError] = useState<unknown>(null);
  const errors = fieldErrors(error);

  if (me.role !== 'admin') return <ErrorBox error={null} />;

  const reset = () => {
    setEditing(null);
    setForm(BLANK);
    setError(null);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(null);
    try {
      const instance =
        editing === null ? await createGitlabInstance(form) : await updateGitlabInstance(editing, form);
      setSaved(instance.name);
      reset();
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async () => {
    if (!removing) return;
    setRemoveError(null);
    try {
      await deleteGitlabInstance(removing.id);
      setRemoving(null);
      if (editing === removing.id) reset();
      list.reload();
    } catch (failure) {
      setRemoveError(failure);
    }
  };

  return (
    <div className="page">
      <h1>{t('gitlabInstances.title')}</h1>
      <p className="muted">{t('gitlabInstances.intro')}</p>
      <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="instance-form">
        <h2 id="instance-form">{editing === null ? t('gitlabInstances.add') : t('gitlabInstances.edit')}</h2>
        <div className="grid-2">
          <InputField
            label={t('gitlabInstances.name')}
            error={errors.of('name')}
            hint={t('gitlabInstances.nameHint')}
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
          <InputField
            label={t('gitlabInstances.url')}
            error={errors.of('url')}
            hint={t('gitlabInstances.urlHint')}
            type="url"
            placeholder="https://gitlab.example.com"
            value={form.url}
            onChange={(e) => setForm({ ...form, url: e.target.value })}
          />
        </div>
        <FormError error={error} fields={['name', 'url']} />
        {saved && (
          <p className="notice notice-ok" role="status">
            {t('gitlabInstances.saved', { name: saved })}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary">
            {editing === null ? t('common.create') : t('common.save')}
          </button>
          {editing !== null && (
            <button type="button" className="btn" onClick={reset}>
              {t('common.cancel')}
            </button>
          )}
        </div>
      </form>
      {list.loading && !list.data && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.data && list.data.instances.length === 0 && <Empty title={t('gitlabInstances.empty')} />}
      {list.data && list.data.instances.length > 0 && (
        <DataTable columns={[t('gitlabInstances.name'), t('gitlabInstances.url'), t('common.actions')]}>
          {list.data.instances.map((instance) => (
            <tr key={instance.id}>
              <td>
                <strong>{instance.name}</strong>
              </td>
              <td>
                <code>{instance.url}</code>
              </td>
              <td>
                <div className="actions">
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={t('gitlabInstances.editOne', { name: instance.name })}
                    onClick={() => {
                      setEditing(instance.id);
                      setForm({ name: instance.name, url: instance.url });
                      setError(null);
                      setSaved(null);
                    }}
                  >
                    {t('common.edit')}
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    aria-label={t('gitlabInstances.deleteOne', { name: instance.name })}
                    onClick={() => {
                      setRemoveError(null);
                      setRemoving(instance);
                    }}
                  >
                    {t('common.delete')}
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <ConfirmDialog
        open={removing !== null}
        title={t('gitlabInstances.deleteTitle', { name: removing?.name ?? '' })}
        confirmLabel={t('common.delete')}
        danger
        error={removeError}
        onConfirm={() => void remove()}
        onCancel={() => setRemoving(null)}
      >
        <p>{t('gitlabInstances.deleteBody')}</p>
      </ConfirmDialog>
    </div>
  );
}
