/**
 * An environment's hold (architecture.md §4, "Rollbacks and holds"): who held automatic deployment
 * there, since when and why, with Resume; or Hold with a reason. The buttons only for those who may
 * deploy the project (POST /environments/:id/hold and /resume).
 */
import { useState, type FormEvent } from 'react';
import type { EnvironmentView } from '@polytene/protocol';
import { ENVIRONMENT_LIMITS as L } from '@polytene/protocol/limits';
import { rollbackHoldBuild } from '@polytene/protocol/messages';
import { holdEnvironment, resumeEnvironment } from '../api/endpoints';
import { Field, FormError, fieldErrors } from './ui';
import { useI18n, useT } from '../i18n';
import { formatDateTime } from '../lib/format';

interface Props {
  environment: EnvironmentView;
  /** Whether the caller may deploy the project, and so hold and resume. */
  canHold: boolean;
  onChange: (environment: EnvironmentView) => void;
}

export function EnvironmentHold({ environment, canHold, onChange }: Props) {
  const t = useT();
  const { locale } = useI18n();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState(false);
  const hold = environment.hold;

  const run = async (call: () => Promise<EnvironmentView>) => {
    setBusy(true);
    setError(null);
    try {
      onChange(await call());
      setReason('');
      setOpen(false);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(() => holdEnvironment(environment.id, { reason }));
  };

  if (!hold && !canHold) return null;
  const build = hold ? rollbackHoldBuild(hold.reason) : null;
  const since = hold ? formatDateTime(hold.at, locale) : '';
  return (
    <section className="card" aria-labelledby="env-hold" data-testid="environment-hold">
      <h2 id="env-hold">{t('hold.title')}</h2>
      {hold ? (
        <div className="actions">
          <p data-testid="hold-text">
            <span className="badge tone-wait">{t('hold.held')}</span>{' '}
            {build !== null
              ? t('hold.heldAfterRollback', { who: hold.by.login, since, build })
              : t('hold.heldBy', { who: hold.by.login, since, reason: hold.reason })}
          </p>
          {canHold && (
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => void run(() => resumeEnvironment(environment.id))}
            >
              {t('hold.resume')}
            </button>
          )}
        </div>
      ) : !open ? (
        <div className="actions">
          <p className="muted">{t('hold.running')}</p>
          <button type="button" className="btn btn-small" onClick={() => setOpen(true)}>
            {t('hold.hold')}
          </button>
        </div>
      ) : (
        <form className="form-inline" onSubmit={submit} noValidate>
          <Field label={t('hold.reason')} error={fieldErrors(error).of('reason')} hint={t('hold.reasonHint')}>
            {(p) => (
              <input
                {...p}
                value={reason}
                maxLength={L.holdReason.maxLength}
                required
                autoFocus
                onChange={(e) => setReason(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="btn btn-primary" disabled={busy || !reason.trim()}>
            {t('hold.hold')}
          </button>
          <button type="button" className="btn" onClick={() => setOpen(false)}>
            {t('common.cancel')}
          </button>
        </form>
      )}
      <FormError error={error} fields={['reason']} />
    </section>
  );
}
