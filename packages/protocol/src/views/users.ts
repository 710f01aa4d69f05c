/** Users, the session and API tokens as the API shows them. */
import { Type, type Static } from 'typebox';
import { LOCALES, USER_ROLES } from '../enums.js';
import { DateTime, ListOf, Nullable, PageOf } from './common.js';

export const UserView = Type.Object({
  id: Type.Integer(),
  login: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Enum(USER_ROLES),
  locale: Type.Enum(LOCALES),
  disabled: Type.Boolean(),
  must_change_password: Type.Boolean(),
  created_at: DateTime,
});
export type UserView = Static<typeof UserView>;

export const UserList = PageOf('users', UserView);
export type UserList = Static<typeof UserList>;

/** Who is logged in (POST /session, GET /user) and the CSRF token for unsafe calls. */
export const SessionView = Type.Object({
  user: UserView,
  must_change_password: Type.Boolean(),
  csrf_token: Type.String(),
});
export type SessionView = Static<typeof SessionView>;

export const TokenView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String(),
  created_at: DateTime,
  last_used_at: Nullable(DateTime),
});
export type TokenView = Static<typeof TokenView>;

export const TokenList = ListOf('tokens', TokenView);
export type TokenList = Static<typeof TokenList>;

/** A new API token: the secret is in this answer only. */
export const CreatedToken = Type.Object({ id: Type.Integer(), name: Type.String(), token: Type.String() });
export type CreatedToken = Static<typeof CreatedToken>;
