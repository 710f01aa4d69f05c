import { Type, type Static } from 'typebox';
import { LOCALES, USER_ROLES } from '@polytene/protocol';
import type { User } from '../db/schema.js';

export const UserView = Type.Object({
  id: Type.Integer(),
  login: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Enum(USER_ROLES),
  locale: Type.Enum(LOCALES),
  disabled: Type.Boolean(),
  must_change_password: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
});
export type UserView = Static<typeof UserView>;

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
