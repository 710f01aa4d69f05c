/** Form fields of a user account: email, role, password (Users, invitations, the password change). */
import { USER_LIMITS } from '@polytene/protocol/limits';
import type { FieldProblem } from '../api/client';
import type { UserRole as Role } from '@polytene/protocol';
import { useT } from '../i18n';
import { Field } from './ui';
import { InputField } from './InputField';

interface FieldOf<T> {
  value: T;
  error: readonly FieldProblem[] | null;
  onChange: (value: T) => void;
}

export function EmailField({ value, error, onChange, label }: FieldOf<string> & { label?: string }) {
  const t = useT();
  return (
    <InputField
      label={label ?? t('users.email')}
      error={error}
      type="email"
      value={value}
      maxLength={USER_LIMITS.email.maxLength}
      required
      onChange={(e) => onChange(e.target.value)}
    />
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

/** A password input: `current` for the one a person has, else a new one (browsers offer to generate it). */
export function PasswordField({
  label,
  value,
  error,
  onChange,
  hint,
  current = false,
  required = false,
}: {
  label: string;
  value: string;
  error: string | readonly FieldProblem[] | null;
  onChange: (value: string) => void;
  hint?: string;
  current?: boolean;
  required?: boolean;
}) {
  return (
    <InputField
      label={label}
      error={error}
      hint={hint}
      type="password"
      autoComplete={current ? 'current-password' : 'new-password'}
      value={value}
      maxLength={USER_LIMITS.password.maxLength}
      required={required}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
