/**
 * On a deployment waiting in a freeze: who overrode a freeze and why, and for admins a button to let
 * it start now with a reason (POST /deployments/:id/freeze-override; architecture.md §4).
 */
import { useState } from 'react';
import type { DeploymentView } from '@polytene/protocol';
import { FREEZE_LIMITS as L } from '@polytene/protocol/limits';
import { overrideFreeze } from '../api/endpoints';
import { ConfirmDialog, Field, fieldErrors } from './ui';
import { useI18n } from '../i18n';
import { useSession } from '../session';

interface Props {
  deployment: DeploymentView;
  onChanged: (deployment: DeploymentView) => void;
}

export function FreezeOverride({ deployment: d, onChanged }: Props) {
  const { t } = useI18n();
  const { user } = useSession();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const frozen = d.waiting_for?.reason === 'freeze';
  if (d.freeze_override)
    return (
      <p className="muted small" data-testid="freeze-overridden">
        {t('freeze.overridden', {
          who: d.freeze_override.by?.login ?? '?',
          reason: d.freeze_override.reason,
        })}
      </p>
    );
  if (!frozen || user?.role !== 'admin') return null;
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await overrideFreeze(d.id, reason));
      setOpen(false);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="btn btn-danger" onClick={() => setOpen(true)}>
        {t('freeze.override')}
      </button>
      <ConfirmDialog
        open={open}
        title={t('freeze.override')}
        confirmLabel={t('freeze.override')}
        danger
        busy={busy}
        error={error}
        onConfirm={() => void confirm()}
        onCancel={() => setOpen(false)}
      >
        <Field
          label={t('freeze.overrideReason')}
          error={fieldErrors(error).of('reason')}
          hint={t('freeze.overrideHint')}
        >
          {(p) => (
            <textarea
              {...p}
              value={reason}
              maxLength={L.reason.maxLength}
              rows={3}
              onChange={(e) => setReason(e.target.value)}
            />
          )}
        </Field>
      </ConfirmDialog>
    </>
  );
}
