/** Session bootstrap, language, layout and the route table. */
import { Fragment, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Locale, UserView } from '@polytene/protocol';
import { onPasswordChangeRequired, onUnauthorized, setCsrfToken } from './api/client';
import { getSession, logOut } from './api/endpoints';
import { I18nProvider, guessLocale, rememberLocale, useT } from './i18n';
import { translator } from './i18n/translate';
import { Link, matchPath, navigate, useLocation } from './router';
import { SessionContext, type Session } from './session';
import { Loading } from './components/ui';
import { Layout } from './components/Layout';
import { LandingPage } from './pages/Landing';
import { LoginPage } from './pages/Login';
import { PasswordChangePage } from './pages/PasswordChange';
import { DashboardPage } from './pages/Dashboard';
import { ProjectsPage } from './pages/Projects';
import { ProjectPage } from './pages/Project';
import { BranchEditorPage } from './pages/BranchEditor';
import { BuildsPage } from './pages/Builds';
import { DoraPage } from './pages/Dora';
import { BuildPage } from './pages/Build';
import { DeploymentPage } from './pages/Deployment';
import { DeploymentsPage } from './pages/Deployments';
import { EnvironmentPage } from './pages/Environment';
import { RunnersPage } from './pages/Runners';
import { UsersPage } from './pages/Users';
import { GitlabInstancesPage } from './pages/GitlabInstances';
import { ProfilePage } from './pages/Profile';
import { HistoryPage } from './pages/History';
import { HelpPage } from './pages/Help';
import { InvitationPage } from './pages/Invitation';

type Route = [pattern: string, render: (params: Record<string, string>) => ReactNode];

const PRIVATE_ROUTES: Route[] = [
  ['/dashboard', () => <DashboardPage />],
  ['/projects', () => <ProjectsPage />],
  ['/projects/:id', (p) => <ProjectPage id={Number(p.id)} />],
  ['/projects/:id/builds', (p) => <BuildsPage projectId={Number(p.id)} />],
  ['/projects/:id/dora', (p) => <DoraPage projectId={Number(p.id)} />],
  ['/projects/:id/branches/new', (p) => <BranchEditorPage projectId={Number(p.id)} branchId={null} />],
  [
    '/projects/:id/branches/:branch',
    (p) => <BranchEditorPage projectId={Number(p.id)} branchId={Number(p.branch)} />,
  ],
  ['/builds/:id', (p) => <BuildPage id={Number(p.id)} />],
  ['/projects/:id/deployments', (p) => <DeploymentsPage projectId={Number(p.id)} />],
  ['/deployments', () => <DeploymentsPage />],
  ['/deployments/:id', (p) => <DeploymentPage id={Number(p.id)} />],
  ['/environments/:id', (p) => <EnvironmentPage id={Number(p.id)} />],
  ['/runners', () => <RunnersPage />],
  ['/users', () => <UsersPage />],
  ['/gitlab-instances', () => <GitlabInstancesPage />],
  ['/profile', () => <ProfilePage />],
  ['/history', () => <HistoryPage />],
];

function findRoute(routes: Route[], path: string): ReactNode | null {
  for (const [pattern, render] of routes) {
    const params = matchPath(pattern, path);
    if (params) return render(params);
  }
  return null;
}

export function App() {
  const [locale, setLocaleState] = useState<Locale>(guessLocale);
  const [state, setState] = useState<{ ready: boolean; user: UserView | null; mustChange: boolean }>({
    ready: false,
    user: null,
    mustChange: false,
  });
  const { path } = useLocation();

  const setLocale = useCallback((next: Locale) => {
    rememberLocale(next);
    setLocaleState(next);
  }, []);

  const setUser = useCallback(
    (user: UserView | null, mustChangePassword = false) => {
      setState({ ready: true, user, mustChange: mustChangePassword });
      if (user) setLocale(user.locale);
    },
    [setLocale],
  );

  useEffect(() => {
    // Without the (readable) CSRF cookie there is no session: skip the request instead of a logged 401.
    if (!document.cookie.split('; ').some((c) => c.startsWith('polytene_csrf='))) {
      setState({ ready: true, user: null, mustChange: false });
      return;
    }
    getSession({ quiet401: true }).then(
      (info) => {
        setCsrfToken(info.csrf_token);
        setUser(info.user, info.must_change_password);
      },
      () => setState({ ready: true, user: null, mustChange: false }),
    );
  }, [setUser]);

  useEffect(() => {
    const offUnauthorized = onUnauthorized(() => {
      setState((s) => (s.user ? { ready: true, user: null, mustChange: false } : s));
      const here = window.location.pathname + window.location.search;
      if (!here.startsWith('/login')) navigate(`/login?expired=1&next=${encodeURIComponent(here)}`);
    });
    const offPassword = onPasswordChangeRequired(() => setState((s) => ({ ...s, mustChange: true })));
    return () => {
      offUnauthorized();
      offPassword();
    };
  }, []);

  const logout = useCallback(async () => {
    await logOut().catch(() => undefined);
    setCsrfToken('');
    setState({ ready: true, user: null, mustChange: false });
    navigate('/');
  }, []);

  const session: Session = useMemo(
    () => ({ user: state.user, mustChangePassword: state.mustChange, setUser, logout }),
    [state, setUser, logout],
  );
  const i18n = useMemo(() => ({ locale, t: translator(locale), setLocale }), [locale, setLocale]);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  // An invitation link is public: its person has no account yet (or logs in as the invited one).
  const invitation = matchPath('/invitations/:token', path);
  let page: ReactNode;
  if (!state.ready) page = <Loading />;
  else if (path === '/login') page = <LoginPage />;
  else if (invitation?.token) page = <InvitationPage token={invitation.token} />;
  else if (path === '/help')
    page = state.user ? (
      <Layout>
        <HelpPage />
      </Layout>
    ) : (
      <HelpPage publicView />
    );
  else if (path === '/' && !state.user) page = <LandingPage />;
  else if (!state.user) page = <Redirect to={`/login?next=${encodeURIComponent(path)}`} />;
  else if (state.mustChange) page = <PasswordChangePage forced />;
  else if (path === '/') page = <Redirect to="/dashboard" />;
  else
    page = (
      <Layout>
        {/* keyed by path: moving from /deployments/1 to /deployments/2 starts a fresh page, never old data */}
        <Fragment key={path}>{findRoute(PRIVATE_ROUTES, path) ?? <NotFound />}</Fragment>
      </Layout>
    );

  return (
    <I18nProvider value={i18n}>
      <SessionContext.Provider value={session}>{page}</SessionContext.Provider>
    </I18nProvider>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function NotFound() {
  const t = useT();
  return (
    <div className="page">
      <h1>{t('error.pageNotFound')}</h1>
      <Link to="/dashboard">{t('nav.dashboard')}</Link>
    </div>
  );
}
