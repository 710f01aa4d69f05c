/** Form fields of a user account, shared by the Users page's new-user and invitation forms. */
import { USER_LIMITS } from '@polytene/protocol/limits';
import type { FieldProblem } from '../api/client';
import type { UserRole as Role } from '@polytene/protocol';
import { useT } from '../i18n';
import { Field } from './ui';

interface FieldOf<T> {
  value: T;
  error: readonly FieldProblem[] | null;
  onChange: (value: T) => void;
}

export function EmailField({ value, error, onChange, label }: FieldOf<string> & { label?: string }) {
  const t = useT();
  return (
    <Field label={label ?? t('users.email')} error={error}>
      {(p) => (
        <input
          {...p}
          type="email"
          value={value}
          maxLength={USER_LIMITS.email.maxLength}
          required
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

export function RoleField({ value, error, onChange }: FieldOf<Role>) {
  const t = useT();
  return (
    <Field label={t('users.role')} error={error}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value as Role)}>
          <option value="member">{t('role.member')}</option>
          <option value="admin">{t('role.admin')}</option>
        </select>
      )}
    </Field>
  );
}
