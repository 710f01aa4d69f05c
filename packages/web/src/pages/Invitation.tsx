/** The public page of an invitation link: the invited person chooses login, name and password. */
import { useState } from 'react';
import { USER_LIMITS } from '@polytene/protocol/limits';
import { ApiError, setCsrfToken } from '../api/client';
import { acceptInvitation, getInvitationLink } from '../api/endpoints';
import { LanguageSwitch, Logo } from '../components/Layout';
import { FormError, Loading, fieldErrors, errorMessage } from '../components/ui';
import { useT } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { useAsync } from '../lib/useAsync';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { PasswordField } from '../components/UserFields';
import { InputField } from '../components/InputField';
import { useSubmit } from '../lib/useSubmit';

const GONE: Record<string, MessageKey> = {
  INVITATION_USED: 'invitation.used',
  INVITATION_EXPIRED: 'invitation.expired',
  INVITATION_REVOKED: 'invitation.revoked',
};

/** Why a link does not work, in the reader's language. */
function linkProblem(error: unknown, t: ReturnType<typeof useT>): string {
  if (error instanceof ApiError) {
    const key = GONE[error.code];
    if (key) return t(key);
    if (error.status === 404) return t('invitation.notFound');
  }
  return errorMessage(error, t);
}

export function InvitationPage({ token }: { token: string }) {
  const t = useT();
  const { setUser } = useSession();
  const link = useAsync((signal) => getInvitationLink(token, signal), [token]);
  const [form, setForm] = useState({ login: '', name: '', password: '', repeat: '' });
  const { busy, error, onSubmit } = useSubmit(async () => {
    if (mismatch) return;
    const { login, name, password } = form;
    const info = await acceptInvitation(token, { login, name, password });
    setCsrfToken(info.csrf_token);
    setUser(info.user, info.must_change_password);
    navigate('/dashboard', { replace: true });
  });
  const errors = fieldErrors(error);
  const mismatch = form.repeat !== '' && form.password !== form.repeat;

  const gone = error instanceof ApiError && error.status === 410 ? error : null;
  let body;
  if (link.loading && !link.data) body = <Loading />;
  else if (link.error || gone)
    body = (
      <p className="form-error" role="alert">
        {linkProblem(link.error ?? gone, t)}
      </p>
    );
  else if (link.data)
    body = (
      <form onSubmit={onSubmit} noValidate>
        <p>{t('invitation.lead', { email: link.data.email })}</p>
        <InputField
          label={t('login.login')}
          error={errors.of('login')}
          autoComplete="username"
          value={form.login}
          maxLength={USER_LIMITS.login.maxLength}
          required
          autoFocus
          onChange={(e) => setForm({ ...form, login: e.target.value })}
        />
        <InputField
          label={t('users.name')}
          error={errors.of('name')}
          autoComplete="name"
          value={form.name}
          maxLength={USER_LIMITS.name.maxLength}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
        />
        <PasswordField
          label={t('login.password')}
          value={form.password}
          error={errors.of('password')}
          hint={t('password.rules')}
          required
          onChange={(password) => setForm({ ...form, password })}
        />
        <PasswordField
          label={t('invitation.repeat')}
          value={form.repeat}
          error={mismatch ? t('password.mismatch') : null}
          required
          onChange={(repeat) => setForm({ ...form, repeat })}
        />
        <FormError error={error} fields={['login', 'name', 'password']} />
        <button
          type="submit"
          className="btn btn-primary btn-block"
          disabled={busy || !form.login || !form.password || mismatch}
        >
          {t('invitation.submit')}
        </button>
      </form>
    );

  return (
    <div className="auth-page">
      <div className="card auth-card">
        <Link to="/" className="brand">
          <Logo /> Polytene
        </Link>
        <h1>{t('invitation.title')}</h1>
        {body}
        <div className="auth-foot">
          <LanguageSwitch />
          <Link to="/help">{t('nav.help')}</Link>
        </div>
      </div>
    </div>
  );
}
