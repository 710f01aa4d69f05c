/** Own account: name, email, language, password, GitLab connection, API tokens. */
import { useState, type FormEvent } from 'react';
import type { CreatedToken, Locale, TokenView } from '@polytene/protocol';
import { createToken, listTokens, revokeToken, updateProfile } from '../api/endpoints';
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
  DataTable,
} from '../components/ui';
import { useI18n } from '../i18n';
import { useAsync } from '../lib/useAsync';
import { useSession, useUser } from '../session';
import { PasswordChangePage } from './PasswordChange';
import { GitlabConnection } from './ProfileGitlab';
import { InputField } from '../components/InputField';

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
      const updated = await updateProfile(form);
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
      <InputField
        label={t('users.name')}
        error={errors.of('name')}
        value={form.name}
        onChange={(e) => setForm({ ...form, name: e.target.value })}
      />
      <InputField
        label={t('users.email')}
        error={errors.of('email')}
        type="email"
        value={form.email}
        onChange={(e) => setForm({ ...form, email: e.target.value })}
      />
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

function Tokens() {
  const { t } = useI18n();
  const list = useAsync((signal) => listTokens(signal), []);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<TokenView | null>(null);
  const errors = fieldErrors(error);
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await createToken(name);
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
      await revokeToken(revoking.id);
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
        <InputField
          label={t('profile.tokenName')}
          error={errors.of('name')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="ci-script"
        />
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
        <DataTable
          columns={[t('profile.tokenName'), t('profile.prefix'), t('profile.created'), t('profile.lastUsed')]}
          actions={t('common.actions')}
        >
          {list.data.tokens.map((token) => (
            <tr key={token.id}>
              <td>{token.name}</td>
              <td className="mono">{token.prefix}…</td>
              <td>
                <TimeAgo at={token.created_at} />
              </td>
              <td>{token.last_used_at ? <TimeAgo at={token.last_used_at} /> : t('runners.never')}</td>
              <td>
                <button type="button" className="btn btn-small btn-danger" onClick={() => setRevoking(token)}>
                  {t('profile.revoke')}
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
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
