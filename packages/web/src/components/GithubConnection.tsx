/**
 * A project's GitHub Actions connection (architecture.md §7): the repository `owner/name`, the API URL
 * (GitHub Enterprise; empty is https://api.github.com) and a write-only token, shown only as set or not.
 * An empty token field keeps the stored token, a new value replaces it. PATCH /projects/:id `github`.
 */
import { useState } from 'react';
import type { GithubConnectionInput, ProjectView } from '@polytene/protocol';
import { setGithubConnection } from '../api/endpoints';
import { InputField } from './InputField';
import { ConfirmDialog, FormError, fieldErrors } from './ui';
import { useT } from '../i18n';
import { useSubmit } from '../lib/useSubmit';

const DEFAULT_API_URL = 'https://api.github.com';

interface Props {
  project: ProjectView;
  onChange: (project: ProjectView) => void;
}

export function GithubConnection({ project, onChange }: Props) {
  const t = useT();
  const connected = project.github;
  const [repository, setRepository] = useState(connected?.repository ?? '');
  const [apiUrl, setApiUrl] = useState(
    connected && connected.api_url !== DEFAULT_API_URL ? connected.api_url : '',
  );
  const [token, setToken] = useState('');
  const [removing, setRemoving] = useState(false);
  const [removeError, setRemoveError] = useState<unknown>(null);

  const save = useSubmit(async () => {
    const input: GithubConnectionInput = { repository: repository.trim() };
    if (apiUrl.trim()) input.api_url = apiUrl.trim();
    if (token) input.token = token;
    onChange(await setGithubConnection(project.id, input));
    setToken('');
  });
  const remove = async () => {
    try {
      const changed = await setGithubConnection(project.id, null);
      setRemoving(false);
      setRepository('');
      setApiUrl('');
      onChange(changed);
    } catch (failure) {
      setRemoveError(failure);
    }
  };
  const errors = fieldErrors(save.error);

  return (
    <section className="card" aria-labelledby="github-connection" data-testid="github-connection">
      <h2 id="github-connection">{t('github.title')}</h2>
      <p className="hint">{t('github.hint')}</p>
      {!connected && <p className="muted">{t('github.notConnected')}</p>}
      <form onSubmit={save.onSubmit} noValidate>
        <InputField
          label={t('github.repository')}
          name="github-repository"
          value={repository}
          required
          maxLength={200}
          placeholder="octo-org/octo-repo"
          hint={t('github.repositoryHint')}
          autoComplete="off"
          error={errors.of('github.repository') ?? errors.of('github')}
          onChange={(e) => setRepository(e.target.value)}
        />
        <InputField
          label={t('github.apiUrl')}
          name="github-api-url"
          type="url"
          value={apiUrl}
          maxLength={500}
          placeholder={DEFAULT_API_URL}
          hint={t('github.apiUrlHint')}
          error={errors.of('github.api_url')}
          onChange={(e) => setApiUrl(e.target.value)}
        />
        <InputField
          label={t('github.token')}
          name="github-token"
          type="password"
          value={token}
          autoComplete="new-password"
          hint={
            <>
              <span
                className={`tag ${connected?.token_set ? 'tag-ok' : ''}`}
                data-testid="github-token-state"
              >
                {connected?.token_set ? t('github.tokenSet') : t('github.tokenNone')}
              </span>{' '}
              {t('github.tokenHint')}
            </>
          }
          error={errors.of('github.token')}
          onChange={(e) => setToken(e.target.value)}
        />
        <FormError error={save.error} fields={['github']} />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={save.busy || !repository.trim()}>
            {connected ? t('github.save') : t('github.connect')}
          </button>
          {connected && (
            <button type="button" className="btn btn-danger" onClick={() => setRemoving(true)}>
              {t('github.remove')}
            </button>
          )}
        </div>
      </form>
      <ConfirmDialog
        open={removing}
        title={t('github.remove')}
        confirmLabel={t('github.remove')}
        danger
        error={removeError}
        onConfirm={() => void remove()}
        onCancel={() => {
          setRemoving(false);
          setRemoveError(null);
        }}
      >
        <p>{t('github.removeConfirm')}</p>
      </ConfirmDialog>
    </section>
  );
}
