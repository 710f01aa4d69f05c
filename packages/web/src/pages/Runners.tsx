/** Runners: online state, version, host, key, linked projects; create, new token, pause, remove. */
import { useState, type FormEvent } from 'react';
import { RUNNER_LIMITS } from '@polytene/protocol/limits';
import type { RunnerView } from '@polytene/protocol';
import {
  createRunner,
  deleteRunner,
  listRunners,
  regenerateRunnerToken,
  updateRunner,
} from '../api/endpoints';
import { ofKind, useLiveList } from '../api/events';
import {
  ConfirmDialog,
  Empty,
  ErrorBox,
  FormError,
  Loading,
  SecretOnce,
  TimeAgo,
  fieldErrors,
} from '../components/ui';
import { useT } from '../i18n';
import { useAsync } from '../lib/useAsync';
import {
  RUNNER_USER,
  runnerConfigureCommand,
  runnerInstallCommand,
  runnerSystemdUnit,
} from '../lib/runner-install';
import { Link } from '../router';
import { useUser } from '../session';
import { InputField } from '../components/InputField';

function TokenShown({ name, token }: { name: string; token: string }) {
  const t = useT();
  const origin = window.location.origin;
  return (
    <SecretOnce title={t('runners.tokenFor', { name })} value={token}>
      <p className="hint">{t('runners.installHint')}</p>
      <pre className="code-block wrap" data-testid="runner-install">
        {runnerInstallCommand(origin)}
      </pre>
      <p className="hint">{t('runners.commandHint')}</p>
      <pre className="code-block" data-testid="runner-command">
        {runnerConfigureCommand(origin, token)}
      </pre>
      <p className="hint">{t('runners.systemdHint', { user: RUNNER_USER })}</p>
      <pre className="code-block" data-testid="runner-systemd">
        {runnerSystemdUnit()}
      </pre>
    </SecretOnce>
  );
}

export function RunnersPage() {
  const t = useT();
  const user = useUser();
  const list = useAsync((signal) => listRunners(signal), []);
  useLiveList(ofKind('runner'), list.reload);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [shown, setShown] = useState<{ runnerId: number; name: string; token: string } | null>(null);
  const [confirm, setConfirm] = useState<{ kind: 'token' | 'delete'; runner: RunnerView } | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const errors = fieldErrors(error);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await createRunner(user.role === 'admin' ? { name, shared } : { name });
      setShown({ runnerId: created.id, name: created.name, token: created.token });
      setName('');
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const setActive = async (runner: RunnerView, active: boolean) => {
    setActionError(null);
    try {
      await updateRunner(runner.id, { active });
      list.reload();
    } catch (failure) {
      setActionError(failure);
    }
  };

  const confirmed = async () => {
    if (!confirm) return;
    setActionError(null);
    try {
      if (confirm.kind === 'token') {
        const { token } = await regenerateRunnerToken(confirm.runner.id);
        setShown({ runnerId: confirm.runner.id, name: confirm.runner.name, token });
      } else {
        await deleteRunner(confirm.runner.id);
      }
      setConfirm(null);
      list.reload();
    } catch (failure) {
      setActionError(failure);
    }
  };

  const runners = list.data?.runners ?? [];
  return (
    <div className="page">
      <h1>{t('nav.runners')}</h1>
      <form
        className="card form form-inline"
        onSubmit={(e) => void create(e)}
        noValidate
        aria-labelledby="new-runner"
      >
        <h2 id="new-runner">{t('runners.create')}</h2>
        <InputField
          label={t('runners.name')}
          error={errors.of('name')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="deploy-host-1"
          maxLength={RUNNER_LIMITS.name.maxLength}
          required
        />
        {user.role === 'admin' && (
          <label className="check">
            <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />
            {t('runners.sharedHint')}
          </label>
        )}
        <FormError error={error} fields={['name', 'shared']} />
        <button type="submit" className="btn btn-primary" disabled={!name.trim()}>
          {t('common.create')}
        </button>
      </form>
      {shown && <TokenShown name={shown.name} token={shown.token} />}
      {actionError && !confirm ? <ErrorBox error={actionError} /> : null}
      {list.loading && !list.data && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.data && runners.length === 0 && (
        <Empty title={t('runners.empty')}>
          <p>{t('runners.emptyHint')}</p>
        </Empty>
      )}
      <ul className="cards">
        {runners.map((r) => (
          <li key={r.id} className="card runner-card" data-testid={`runner-${r.name}`}>
            <div className="section-head">
              <h2 className="card-title">
                <span
                  className={`presence ${r.online ? 'presence-on' : 'presence-off'}`}
                  aria-hidden="true"
                />
                {r.name}
              </h2>
              <span className={`tag ${r.online ? 'tag-ok' : ''}`}>
                {r.online ? t('runners.online') : t('runners.offline')}
              </span>
              {!r.active && <span className="tag tag-warn">{t('runners.paused')}</span>}
              {r.shared && (
                <span className="tag" title={t('runners.sharedHint')}>
                  {t('runners.shared')}
                </span>
              )}
            </div>
            <dl className="facts">
              <dt>{t('runners.lastSeen')}</dt>
              <dd>{r.last_seen_at ? <TimeAgo at={r.last_seen_at} /> : t('runners.never')}</dd>
              <dt>{t('runners.version')}</dt>
              <dd>
                <span className="mono">{r.version ?? '—'}</span>
                {r.version_current === false && (
                  <span className="tag tag-warn" data-testid={`runner-outdated-${r.name}`}>
                    {t('runners.outdated', { version: r.offered_version })}
                  </span>
                )}
              </dd>
              <dt>{t('runners.hostname')}</dt>
              <dd className="mono">{r.hostname ?? '—'}</dd>
              <dt>{t('runners.concurrency')}</dt>
              <dd>{r.concurrency}</dd>
              <dt>{t('runners.key')}</dt>
              <dd>
                {r.public_key ? (
                  <details>
                    <summary className="mono">{r.public_key_fingerprint ?? t('runners.showKey')}</summary>
                    <pre className="code-block wrap">{r.public_key}</pre>
                  </details>
                ) : (
                  <span className="muted">{t('runners.noKey')}</span>
                )}
              </dd>
              <dt>{t('runners.projects')}</dt>
              <dd>
                {r.projects.length === 0 ? (
                  <span className="muted">{t('runners.noProjects')}</span>
                ) : (
                  r.projects.map((p, i) => (
                    <span key={p.id}>
                      {i > 0 && ', '}
                      <Link to={`/projects/${p.id}`}>{p.name}</Link>
                    </span>
                  ))
                )}
              </dd>
            </dl>
            {shown?.runnerId === r.id && <p className="notice">{t('runners.tokenAbove')}</p>}
            <div className="actions">
              <button type="button" className="btn btn-small" onClick={() => void setActive(r, !r.active)}>
                {r.active ? t('runners.pause') : t('runners.resume')}
              </button>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setConfirm({ kind: 'token', runner: r })}
              >
                {t('runners.regenerate')}
              </button>
              <button
                type="button"
                className="btn btn-small btn-danger"
                onClick={() => setConfirm({ kind: 'delete', runner: r })}
              >
                {t('common.delete')}
              </button>
            </div>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={confirm !== null}
        title={
          confirm?.kind === 'token'
            ? t('runners.regenerateTitle', { name: confirm.runner.name })
            : t('runners.deleteTitle', { name: confirm?.runner.name ?? '' })
        }
        confirmLabel={confirm?.kind === 'token' ? t('runners.regenerate') : t('common.delete')}
        danger
        error={actionError}
        onConfirm={() => void confirmed()}
        onCancel={() => {
          setConfirm(null);
          setActionError(null);
        }}
      >
        <p>{confirm?.kind === 'token' ? t('runners.regenerateBody') : t('runners.deleteBody')}</p>
      </ConfirmDialog>
    </div>
  );
}
