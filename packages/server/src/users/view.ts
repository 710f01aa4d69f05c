import type { UserView } from '@polytene/protocol';
import type { User } from '../db/schema.js';

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    login: user.login,
    email: user.email,
    name: user.name,
    role: user.role,
    locale: user.locale,
    disabled: user.disabled,
    must_change_password: user.must_change_password,
    created_at: user.created_at.toISOString(),
  };
}
