/** Own account: name, email, language, password, GitLab connection (when offered), API tokens. */
import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { ApiToken, Locale, User } from '../api/types';
import {
  ConfirmDialog,
  Empty,
  ErrorBox,
  Field,
  FormError,
  Loading,
  SecretOnce,
  TimeAgo,
  fieldErrors,
} from '../components/ui';
import { useI18n } from '../i18n';
import { hasApi } from '../lib/apiPaths';
import { useAsync } from '../lib/useAsync';
import { useSession, useUser } from '../session';
import { PasswordChangePage } from './PasswordChange';

export function ProfilePage() {
  const { t } = useI18n();
  return (
    <div className="page">
      <h1>{t('nav.profile')}</h1>
      <div className="grid-2">
        <section className="card">
          <AccountForm />
        </section>
        <section className="card">
          <PasswordChangePage />
        </section>
      </div>
      <GitlabConnection />
      <Tokens />
    </div>
  );
}

function AccountForm() {
  const { t, setLocale } = useI18n();
  const user = useUser();
  const { setUser } = useSession();
  const [form, setForm] = useState({ name: user.name, email: user.email, locale: user.locale });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const errors = fieldErrors(error);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const updated = await api.patch<User>('/api/v1/user', form);
      setUser(updated);
      setLocale(updated.locale);
      setSaved(true);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate>
      <h2>{t('profile.account')}</h2>
      <p className="muted">
        {user.login} · {user.role === 'admin' ? t('role.admin') : t('role.member')}
      </p>
      <Field label={t('users.name')} error={errors.of('name')}>
        {(p) => (
          <input {...p} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        )}
      </Field>
      <Field label={t('users.email')} error={errors.of('email')}>
        {(p) => (
          <input
            {...p}
            type="email"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
        )}
      </Field>
      <Field label={t('common.language')} error={errors.of('locale')}>
        {(p) => (
          <select
            {...p}
            value={form.locale}
            onChange={(e) => setForm({ ...form, locale: e.target.value as Locale })}
            data-testid="profile-language"
          >
            <option value="en">English</option>
            <option value="pl">Polski</option>
          </select>
        )}
      </Field>
      <FormError error={error} fields={['name', 'email', 'locale']} />
      {saved && (
        <p className="notice notice-ok" role="status">
          {t('common.saved')}
        </p>
      )}
      <button type="submit" className="btn btn-primary">
        {t('common.save')}
      </button>
    </form>
  );
}

interface GitlabConnectionView {
  connected: boolean;
  gitlab_url: string | null;
  verified_username: string | null;
  last_error: string | null;
}

interface VerifyResult {
  ok: boolean;
  user?: { username: string };
  error?: { kind: string; message: string };
}

/** Shown only when the server offers /api/v1/user/gitlab: save the URL and token, then verify them. */
function GitlabConnection() {
  const { t } = useI18n();
  const offered = useAsync(() => hasApi('/api/v1/user/gitlab'), []);
  const current = useAsync(
    (signal) =>
      offered.data ? api.get<GitlabConnectionView>('/api/v1/user/gitlab', { signal }) : Promise.resolve(null),
    [offered.data],
  );
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [verifyProblem, setVerifyProblem] = useState<string | null>(null);
  const errors = fieldErrors(error);
  if (!offered.data) return null;
  const connection = current.data;
  const verify = async () => {
    setVerifyProblem(null);
    setMessage(null);
    try {
      const result = await api.post<VerifyResult>('/api/v1/user/gitlab/verify');
      if (result.ok && result.user) setMessage(t('profile.gitlabVerified', { user: result.user.username }));
      else setVerifyProblem(result.error?.message ?? t('error.unexpected'));
      current.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const saved = await api.put<GitlabConnectionView>('/api/v1/user/gitlab', {
        gitlab_url: url || connection?.gitlab_url || '',
        token,
      });
      current.setData(saved);
      setToken('');
      await verify();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section className="card">
      <form className="form" onSubmit={(e) => void save(e)} noValidate>
        <h2>{t('profile.gitlab')}</h2>
        {connection?.verified_username && (
          <p className="notice notice-ok">
            {t('profile.gitlabVerified', { user: connection.verified_username })}
          </p>
        )}
        {connection?.last_error && <p className="field-error">{connection.last_error}</p>}
        <Field label={t('profile.gitlabUrl')} error={errors.of('gitlab_url')}>
          {(p) => (
            <input
              {...p}
              placeholder={connection?.gitlab_url ?? 'https://gitlab.com'}
              value={url}
              onChange={(e) => setUrl(e.target.value)}
            />
          )}
        </Field>
        <Field
          label={t('profile.gitlabToken')}
          error={errors.of('token')}
          hint={t('profile.gitlabTokenHint')}
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="off"
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
          )}
        </Field>
        <FormError error={error} fields={['gitlab_url', 'token']} />
        {verifyProblem && (
          <p className="form-error" role="alert">
            {verifyProblem}
          </p>
        )}
        {message && (
          <p className="notice notice-ok" role="status">
            {message}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={!token}>
            {t('profile.gitlabSave')}
          </button>
          {connection?.connected && (
            <button type="button" className="btn" onClick={() => void verify()}>
              {t('profile.gitlabVerify')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

function Tokens() {
  const { t } = useI18n();
  const list = useAsync((signal) => api.get<{ tokens: ApiToken[] }>('/api/v1/user/tokens', { signal }), []);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const errors = fieldErrors(error);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await api.post<{ name: string; token: string }>('/api/v1/user/tokens', { name });
      setCreated(result);
      setName('');
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  const revoke = async () => {
    if (!revoking) return;
    try {
      await api.del(`/api/v1/user/tokens/${revoking.id}`);
      setRevoking(null);
      list.reload();
    } catch (failure) {
      setError(failure);
      setRevoking(null);
    }
  };
  return (
    <section className="card" aria-labelledby="tokens">
      <h2 id="tokens">{t('profile.tokens')}</h2>
      <p className="hint">{t('profile.tokensHint')}</p>
      <form className="form form-inline" onSubmit={(e) => void create(e)} noValidate>
        <Field label={t('profile.tokenName')} error={errors.of('name')}>
          {(p) => (
            <input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-script" />
          )}
        </Field>
        <button type="submit" className="btn btn-primary" disabled={!name.trim()}>
          {t('common.create')}
        </button>
      </form>
      <FormError error={error} fields={['name']} />
      {created && (
        <SecretOnce title={t('profile.tokenCreated', { name: created.name })} value={created.token} />
      )}
      {list.loading && !list.data && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.data && list.data.tokens.length === 0 && <Empty title={t('profile.noTokens')} />}
      {list.data && list.data.tokens.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>{t('profile.tokenName')}</th>
                <th>{t('profile.prefix')}</th>
                <th>{t('profile.created')}</th>
                <th>{t('profile.lastUsed')}</th>
                <th>
                  <span className="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.tokens.map((token) => (
                <tr key={token.id}>
                  <td>{token.name}</td>
                  <td className="mono">{token.prefix}…</td>
                  <td>
                    <TimeAgo at={token.created_at} />
                  </td>
                  <td>{token.last_used_at ? <TimeAgo at={token.last_used_at} /> : t('runners.never')}</td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      onClick={() => setRevoking(token)}
                    >
                      {t('profile.revoke')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title={t('profile.revokeTitle', { name: revoking?.name ?? '' })}
        confirmLabel={t('profile.revoke')}
        danger
        onConfirm={() => void revoke()}
        onCancel={() => setRevoking(null)}
      >
        <p>{t('profile.revokeBody')}</p>
      </ConfirmDialog>
    </section>
  );
}
