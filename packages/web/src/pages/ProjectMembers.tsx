/** A project's members: the owner, then each member with their role; add, change, remove (for maintainers). */
import { useState, type FormEvent } from 'react';
import type { MemberRole, MemberView, ProjectView } from '@polytene/protocol';
import { MEMBER_ROLES } from '@polytene/protocol/enums';
import { ApiError } from '../api/client';
import { addMember, listMembers, removeMember, setMemberRole } from '../api/endpoints';
import {
  ConfirmDialog,
  Empty,
  ErrorBox,
  Field,
  Loading,
  TimeAgo,
  errorMessage,
  DataTable,
} from '../components/ui';
import { useT, type Translate } from '../i18n';
import { useAsync } from '../lib/useAsync';
import { InputField } from '../components/InputField';

/** The member errors the server tells apart by code, in the user's language. */
function memberError(error: unknown, t: Translate, login: string): string {
  if (error instanceof ApiError) {
    if (error.code === 'ALREADY_MEMBER') return t('members.alreadyMember', { login });
    if (error.code === 'PROJECT_OWNER')
      return login ? t('members.isOwner', { login }) : t('members.ownerFixed');
    if (error.forField('login') || error.forField('user_id')) return t('members.noSuchUser', { login });
  }
  return errorMessage(error, t);
}

export function ProjectMembers({
  project,
  meId,
  onOwnChange,
}: {
  project: ProjectView;
  meId: number;
  /** Called after the caller changed their own membership: their permissions may differ now. */
  onOwnChange: () => void;
}) {
  const t = useT();
  const list = useAsync((signal) => listMembers(project.id, signal), [project.id]);
  const [login, setLogin] = useState('');
  const [role, setRole] = useState<MemberRole>('viewer');
  const [addError, setAddError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [rowError, setRowError] = useState<{ id: number; message: string } | null>(null);
  const [removing, setRemoving] = useState<MemberView | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setAdded(null);
    const name = login.trim();
    if (!name) {
      setAddError(t('members.usernameRequired'));
      return;
    }
    setBusy(true);
    setAddError(null);
    try {
      const member = await addMember(project.id, name, role);
      setAdded(member.user.login);
      setLogin('');
      list.reload();
    } catch (failure) {
      setAddError(memberError(failure, t, name));
    } finally {
      setBusy(false);
    }
  };

  const changeRole = async (member: MemberView, next: MemberRole) => {
    setRowError(null);
    try {
      await setMemberRole(project.id, member.user.id, next);
      list.reload();
      if (member.user.id === meId) onOwnChange();
    } catch (failure) {
      setRowError({ id: member.user.id, message: memberError(failure, t, '') });
    }
  };

  const remove = async () => {
    if (!removing) return;
    try {
      await removeMember(project.id, removing.user.id);
      const wasMe = removing.user.id === meId;
      setRemoving(null);
      setRemoveError(null);
      list.reload();
      if (wasMe) onOwnChange();
    } catch (failure) {
      setRemoveError(memberError(failure, t, ''));
    }
  };

  const members = list.data?.members ?? [];
  return (
    <section className="card" aria-labelledby="members" data-testid="members">
      <h2 id="members">{t('members.title')}</h2>
      <p className="hint">{t('members.hint')}</p>
      {list.loading && !list.data && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.data && (
        <DataTable
          columns={[t('members.user'), t('members.role'), t('members.since')]}
          actions={t('common.remove')}
        >
          {project.owner && (
            <tr data-testid={`member-${project.owner.login}`}>
              <td>
                <strong>{project.owner.login}</strong>
              </td>
              <td>
                <span className="tag">{t('role.owner')}</span>
              </td>
              <td>{project.created_at ? <TimeAgo at={project.created_at} /> : null}</td>
              <td />
            </tr>
          )}
          {members.map((m) => (
            <tr key={m.user.id} data-testid={`member-${m.user.login}`}>
              <td>
                <strong>{m.user.login}</strong>
                {m.user.name && <span className="muted small"> {m.user.name}</span>}
              </td>
              <td>
                <label>
                  <span className="sr-only">{t('members.roleOf', { login: m.user.login })}</span>
                  <select value={m.role} onChange={(e) => void changeRole(m, e.target.value as MemberRole)}>
                    {MEMBER_ROLES.map((r) => (
                      <option key={r} value={r}>
                        {t(`role.${r}`)}
                      </option>
                    ))}
                  </select>
                </label>
                {rowError?.id === m.user.id && (
                  <p className="field-error" role="alert">
                    {rowError.message}
                  </p>
                )}
              </td>
              <td>
                <TimeAgo at={m.created_at} />
              </td>
              <td>
                <button
                  type="button"
                  className="btn btn-small btn-danger"
                  aria-label={t('members.removeOne', { login: m.user.login })}
                  onClick={() => {
                    setRemoveError(null);
                    setRemoving(m);
                  }}
                >
                  {t('common.remove')}
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {list.data && members.length === 0 && <Empty title={t('members.empty')} />}
      <form
        className="form member-add"
        onSubmit={(e) => void add(e)}
        noValidate
        aria-label={t('members.add')}
      >
        <div className="grid-2">
          <InputField
            label={t('members.username')}
            error={addError}
            value={login}
            autoComplete="off"
            onChange={(e) => {
              setLogin(e.target.value);
              setAddError(null);
            }}
          />
          <Field label={t('members.role')}>
            {(p) => (
              <select {...p} value={role} onChange={(e) => setRole(e.target.value as MemberRole)}>
                {MEMBER_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        {added && (
          <p className="notice notice-ok" role="status">
            {t('members.added', { login: added })}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('members.add')}
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={removing !== null}
        title={t('members.removeTitle', { login: removing?.user.login ?? '', project: project.name })}
        confirmLabel={t('common.remove')}
        danger
        onConfirm={() => void remove()}
        onCancel={() => {
          setRemoving(null);
          setRemoveError(null);
        }}
      >
        <p>{t('members.removeBody')}</p>
        {removeError && (
          <p className="form-error" role="alert">
            {removeError}
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}
