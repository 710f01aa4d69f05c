/**
 * A deployment's approvals (architecture.md §4, "Protection and approvals"): n of N given, who decided
 * what, when and why, and Approve / Reject with a comment for those the server lets decide.
 */
import { useState } from 'react';
import type { DeploymentView } from '@polytene/protocol';
import { APPROVAL_LIMITS } from '@polytene/protocol/limits';
import { decideDeployment } from '../api/endpoints';
import { useI18n } from '../i18n';
import { formatDateTime } from '../lib/format';
import { useUser } from '../session';
import { ErrorBox, Field } from './ui';

interface Props {
  deployment: DeploymentView;
  onChange: (deployment: DeploymentView) => void;
}

export function ApprovalPanel({ deployment: d, onChange }: Props) {
  const { t, locale } = useI18n();
  const user = useUser();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const given = d.approvals.filter((a) => a.decision === 'approve').length;
  const awaiting = d.status === 'awaiting_approval';

  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      const trimmed = comment.trim();
      onChange(await decideDeployment(d.id, { decision, ...(trimmed ? { comment: trimmed } : {}) }));
      setComment('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card approvals" aria-labelledby="approvals-title" data-testid="approvals">
      <h2 id="approvals-title">
        {t('approval.title')}{' '}
        <span className="muted small" data-testid="approval-count">
          {t('approval.count', { given, required: d.required_approvals })}
        </span>
      </h2>
      {d.approvals.length === 0 && <p className="muted">{t('approval.none')}</p>}
      {d.approvals.length > 0 && (
        <ul className="plain-list">
          {d.approvals.map((a) => (
            <li key={a.user.id}>
              <strong>{a.user.login}</strong>{' '}
              {t(a.decision === 'approve' ? 'approval.approved' : 'approval.rejected')}{' '}
              <span className="muted small">{formatDateTime(a.created_at, locale)}</span>
              {a.comment && <div className="approval-comment">{a.comment}</div>}
            </li>
          ))}
        </ul>
      )}
      {awaiting && d.triggered_by?.id === user.id && <p className="hint">{t('approval.own')}</p>}
      {awaiting && d.can_approve && (
        <div className="form">
          <Field label={t('approval.comment')}>
            {(p) => (
              <textarea
                {...p}
                rows={2}
                value={comment}
                maxLength={APPROVAL_LIMITS.comment.maxLength}
                onChange={(e) => setComment(e.target.value)}
              />
            )}
          </Field>
          {error ? <ErrorBox error={error} /> : null}
          <div className="actions">
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => void decide('approve')}
            >
              {t('approval.approve')}
            </button>
            <button
              type="button"
              className="btn btn-danger"
              disabled={busy}
              onClick={() => void decide('reject')}
            >
              {t('approval.reject')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
