import { useState } from 'react';
import { setCsrfToken } from '../api/client';
import { logIn } from '../api/endpoints';
import { LanguageSwitch, Logo } from '../components/Layout';
import { errorMessage } from '../components/ui';
import { useT } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { useSubmit } from '../lib/useSubmit';

/** Only same-site paths are followed after login. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login')
    ? next
    : '/dashboard';
}

export function LoginPage() {
  const t = useT();
  const { setUser } = useSession();
  const { search } = useLocation();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');

  const { busy, error, onSubmit } = useSubmit(async () => {
    const info = await logIn(login, password);
    setCsrfToken(info.csrf_token);
    setUser(info.user, info.must_change_password);
    navigate(info.must_change_password ? '/dashboard' : safeNext(search.get('next')), { replace: true });
  });

  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={onSubmit} noValidate>
        <Link to="/" className="brand">
          <Logo /> Polytene
        </Link>
        <h1>{t('login.title')}</h1>
        {search.get('expired') && (
          <p className="notice" role="status">
            {t('login.expired')}
          </p>
        )}
        <div className="field">
          <label htmlFor="login">{t('login.login')}</label>
          <input
            id="login"
            name="login"
            autoComplete="username"
            value={login}
            onChange={(e) => setLogin(e.target.value)}
            required
            autoFocus
          />
        </div>
        <div className="field">
          <label htmlFor="password">{t('login.password')}</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        {error ? (
          <p className="form-error" role="alert">
            {errorMessage(error, t)}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || !login || !password}>
          {t('login.submit')}
        </button>
        <div className="auth-foot">
          <LanguageSwitch />
          <Link to="/help">{t('nav.help')}</Link>
        </div>
      </form>
    </div>
  );
}
