/** The frame around every signed-in page: navigation, language, theme, account. */
import { useEffect, useState, type ReactNode } from 'react';
import type { Locale } from '@polytene/protocol';
import { updateProfile } from '../api/endpoints';
import { useI18n, type MessageKey } from '../i18n';
import { LOCALES } from '../i18n/translate';
import { Link, useLocation } from '../router';
import { useSession } from '../session';

const NAV: { to: string; key: MessageKey; admin?: boolean }[] = [
  { to: '/dashboard', key: 'nav.dashboard' },
  { to: '/projects', key: 'nav.projects' },
  { to: '/deployments', key: 'nav.deployments' },
  { to: '/runners', key: 'nav.runners' },
  { to: '/users', key: 'nav.users', admin: true },
  { to: '/gitlab-instances', key: 'nav.gitlabInstances', admin: true },
  { to: '/history', key: 'nav.history' },
  { to: '/help', key: 'nav.help' },
];

type Theme = 'auto' | 'light' | 'dark';

function applyTheme(theme: Theme): void {
  if (theme === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', theme);
}

export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(
    () => (localStorage.getItem('polytene.theme') as Theme) || 'auto',
  );
  useEffect(() => {
    applyTheme(theme);
    localStorage.setItem('polytene.theme', theme);
  }, [theme]);
  return [theme, setTheme];
}

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  const { user, setUser } = useSession();
  const change = (next: Locale) => {
    setLocale(next);
    if (user)
      updateProfile({ locale: next }).then(
        (updated) => setUser(updated),
        () => undefined,
      );
  };
  return (
    <label className="compact-select">
      <span className="sr-only">{t('common.language')}</span>
      <select value={locale} onChange={(e) => change(e.target.value as Locale)} data-testid="language">
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {l === 'en' ? 'English' : 'Polski'}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ThemeSwitch() {
  const { t } = useI18n();
  const [theme, setTheme] = useTheme();
  return (
    <label className="compact-select">
      <span className="sr-only">{t('common.theme')}</span>
      <select value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        <option value="auto">{t('theme.auto')}</option>
        <option value="light">{t('theme.light')}</option>
        <option value="dark">{t('theme.dark')}</option>
      </select>
    </label>
  );
}

export function Logo() {
  return (
    <span className="logo" aria-hidden="true">
      <svg viewBox="0 0 24 24" width="22" height="22">
        <path d="M4 17 L10 6 L14 13 L17 9 L21 17 Z" fill="currentColor" />
      </svg>
    </span>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { user, logout } = useSession();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('common.skipToContent')}
      </a>
      <header className="topbar">
        <Link to="/dashboard" className="brand">
          <Logo /> Polytene
        </Link>
        <button
          type="button"
          className="btn menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          {t('nav.menu')}
        </button>
        <nav id="main-nav" className={`nav${menuOpen ? ' nav-open' : ''}`} aria-label={t('nav.main')}>
          {NAV.filter((item) => !item.admin || user?.role === 'admin').map((item) => (
            <Link
              key={item.to}
              to={item.to}
              className={path === item.to || path.startsWith(`${item.to}/`) ? 'active' : undefined}
              aria-current={path === item.to ? 'page' : undefined}
            >
              {t(item.key)}
            </Link>
          ))}
        </nav>
        <div className="topbar-tools">
          <LanguageSwitch />
          <ThemeSwitch />
          <Link to="/profile" className="user-link" title={t('nav.profile')}>
            {user?.login}
          </Link>
          <button type="button" className="btn btn-small" onClick={() => void logout()}>
            {t('nav.logout')}
          </button>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
