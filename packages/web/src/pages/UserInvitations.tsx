/** Administrators: invite a person by email and revoke pending invitations (on the Users page). */
import { useState, type FormEvent } from 'react';
import type { CreatedInvitation, InvitationView as Invitation, UserRole as Role } from '@polytene/protocol';
import { createInvitation, listInvitations, revokeInvitation } from '../api/endpoints';
import { DataTable, ErrorBox, FormError, SecretOnce, TimeAgo, fieldErrors } from '../components/ui';
import { useT } from '../i18n';
import { EmailField, RoleField } from '../components/UserFields';
import { useAsync } from '../lib/useAsync';

export function InvitationsCard() {
  const t = useT();
  const pending = useAsync((signal) => listInvitations(signal), []);
  const [form, setForm] = useState({ email: '', role: 'member' as Role });
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const [rowError, setRowError] = useState<{ id: number; error: unknown } | null>(null);
  const errors = fieldErrors(error);

  const invite = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setCreated(null);
    try {
      setCreated(await createInvitation(form));
      setForm({ email: '', role: 'member' });
      pending.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const revoke = async (invitation: Invitation) => {
    setRowError(null);
    try {
      await revokeInvitation(invitation.id);
      pending.reload();
    } catch (failure) {
      setRowError({ id: invitation.id, error: failure });
    }
  };

  const list = pending.data?.invitations ?? [];
  return (
    <section className="card">
      <form className="form" onSubmit={(e) => void invite(e)} noValidate>
        <h2>{t('invitations.title')}</h2>
        <p className="hint">{t('invitations.lead')}</p>
        <div className="grid-2">
          <EmailField
            label={t('invitations.email')}
            value={form.email}
            error={errors.of('email')}
            onChange={(email) => setForm({ ...form, email })}
          />
          <RoleField
            value={form.role}
            error={errors.of('role')}
            onChange={(role) => setForm({ ...form, role })}
          />
        </div>
        <FormError error={error} fields={['email', 'role']} />
        {created?.emailed && (
          <p className="notice notice-ok" role="status">
            {t('invitations.sent', { email: created.invitation.email })}
          </p>
        )}
        {created?.link && (
          <SecretOnce
            title={t('invitations.noSmtp', { email: created.invitation.email })}
            label={t('invitations.link')}
            value={created.link}
          />
        )}
        <button type="submit" className="btn btn-primary">
          {t('invitations.send')}
        </button>
      </form>
      {pending.error ? <ErrorBox error={pending.error} onRetry={pending.reload} /> : null}
      <h3>{t('invitations.pending')}</h3>
      {pending.data && list.length === 0 && <p className="muted">{t('invitations.none')}</p>}
      {list.length > 0 && (
        <DataTable
          columns={[t('users.email'), t('users.role'), t('invitations.invitedBy'), t('invitations.expires')]}
          actions={t('common.actions')}
          label={t('invitations.pending')}
        >
          {list.map((invitation) => (
            <tr key={invitation.id}>
              <td>{invitation.email}</td>
              <td>{t(invitation.role === 'admin' ? 'role.admin' : 'role.member')}</td>
              <td>{invitation.invited_by_login ?? '—'}</td>
              <td>
                <TimeAgo at={invitation.expires_at} />
              </td>
              <td>
                <button
                  type="button"
                  className="btn btn-small"
                  aria-label={t('invitations.revokeOne', { email: invitation.email })}
                  onClick={() => void revoke(invitation)}
                >
                  {t('invitations.revoke')}
                </button>
                {rowError?.id === invitation.id && <ErrorBox error={rowError.error} />}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
