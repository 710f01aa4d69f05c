/** Administrators: list users, create one, invite one by email, change role, disable. */
import { useState, type FormEvent } from 'react';
import { USER_LIMITS } from '@polytene/protocol/limits';
import type { UserRole, UserView } from '@polytene/protocol';
import { createUser, listUsers, updateUser } from '../api/endpoints';
import {
  DataTable,
  Empty,
  ErrorBox,
  FormError,
  Loading,
  Pagination,
  TimeAgo,
  fieldErrors,
} from '../components/ui';
import { useT } from '../i18n';
import { useAsync } from '../lib/useAsync';
import { setSearch, useLocation } from '../router';
import { useUser } from '../session';
import { InvitationsCard } from './UserInvitations';
import { EmailField, PasswordField, RoleField } from '../components/UserFields';
import { InputField } from '../components/InputField';

const PER_PAGE = 20;

export function UsersPage() {
  const t = useT();
  const me = useUser();
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const page = Number(search.get('page') ?? 1) || 1;
  const list = useAsync((signal) => listUsers({ q, page, per_page: PER_PAGE }, signal), [q, page]);
  const [form, setForm] = useState({
    login: '',
    email: '',
    name: '',
    password: '',
    role: 'member' as UserRole,
  });
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ id: number; error: unknown } | null>(null);
  const errors = fieldErrors(error);

  if (me.role !== 'admin') return <ErrorBox error={null} />;

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setCreated(null);
    try {
      const user = await createUser(form);
      setCreated(user.login);
      setForm({ login: '', email: '', name: '', password: '', role: 'member' });
      list.reload();
    } catch (failure) {
      setError(failure);
    }
  };

  const update = async (user: UserView, change: Partial<Pick<UserView, 'role' | 'disabled'>>) => {
    setRowError(null);
    try {
      await updateUser(user.id, change);
      list.reload();
    } catch (failure) {
      setRowError({ id: user.id, error: failure });
    }
  };

  return (
    <div className="page">
      <h1>{t('nav.users')}</h1>
      <form className="card form" onSubmit={(e) => void create(e)} noValidate aria-labelledby="new-user">
        <h2 id="new-user">{t('users.create')}</h2>
        <div className="grid-2">
          <InputField
            label={t('login.login')}
            error={errors.of('login')}
            value={form.login}
            maxLength={USER_LIMITS.login.maxLength}
            required
            autoComplete="off"
            onChange={(e) => setForm({ ...form, login: e.target.value })}
          />
          <EmailField
            value={form.email}
            error={errors.of('email')}
            onChange={(email) => setForm({ ...form, email })}
          />
          <InputField
            label={t('users.name')}
            error={errors.of('name')}
            value={form.name}
            maxLength={USER_LIMITS.name.maxLength}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
          <PasswordField
            label={t('users.initialPassword')}
            value={form.password}
            error={errors.of('password')}
            hint={t('users.initialPasswordHint')}
            required
            onChange={(password) => setForm({ ...form, password })}
          />
          <RoleField
            value={form.role}
            error={errors.of('role')}
            onChange={(role) => setForm({ ...form, role })}
          />
        </div>
        <FormError error={error} fields={['login', 'email', 'name', 'password', 'role']} />
        {created && (
          <p className="notice notice-ok" role="status">
            {t('users.created', { login: created })}
          </p>
        )}
        <button type="submit" className="btn btn-primary">
          {t('common.create')}
        </button>
      </form>
      <InvitationsCard />
      <div className="toolbar">
        <label className="search">
          <span className="sr-only">{t('common.search')}</span>
          <input
            type="search"
            placeholder={t('users.search')}
            defaultValue={q}
            onChange={(e) => setSearch({ q: e.target.value, page: null })}
          />
        </label>
      </div>
      {list.loading && !list.data && <Loading />}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.data && list.data.users.length === 0 && <Empty title={t('users.empty')} />}
      {list.data && list.data.users.length > 0 && (
        <DataTable
          columns={[t('login.login'), t('users.email'), t('users.role'), t('users.state'), t('users.since')]}
        >
          {list.data.users.map((u) => (
            <tr key={u.id} className={u.disabled ? 'row-muted' : undefined}>
              <td>
                <strong>{u.login}</strong>
                {u.name && <span className="muted small"> {u.name}</span>}
              </td>
              <td>{u.email}</td>
              <td>
                <label>
                  <span className="sr-only">{t('users.roleOf', { login: u.login })}</span>
                  <select
                    value={u.role}
                    onChange={(e) => void update(u, { role: e.target.value as UserRole })}
                  >
                    <option value="member">{t('role.member')}</option>
                    <option value="admin">{t('role.admin')}</option>
                  </select>
                </label>
              </td>
              <td>
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => void update(u, { disabled: !u.disabled })}
                  disabled={u.id === me.id}
                  aria-label={t(u.disabled ? 'users.enableOne' : 'users.disableOne', { login: u.login })}
                >
                  {u.disabled ? t('users.enable') : t('users.disable')}
                </button>
                {u.disabled && <span className="tag tag-warn">{t('users.disabled')}</span>}
                {rowError?.id === u.id && <ErrorBox error={rowError.error} />}
              </td>
              <td>
                <TimeAgo at={u.created_at} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {list.data && (
        <Pagination
          page={page}
          perPage={list.data.per_page || PER_PAGE}
          total={list.data.total}
          onPage={(p) => setSearch({ page: p })}
        />
      )}
    </div>
  );
}
