/** Bodies of the session, the caller's own account, users (administrators) and invitations. */
import { Type, type Static } from 'typebox';
import { LOCALES, USER_ROLES } from '../enums.js';
import { USER_LIMITS } from '../limits.js';

const Login = Type.String({
  minLength: 1,
  maxLength: USER_LIMITS.login.maxLength,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'letters, digits, ".", "_" and "-"',
});
const Email = Type.String({ format: 'email', maxLength: USER_LIMITS.email.maxLength });
const Name = Type.String({ maxLength: USER_LIMITS.name.maxLength });
const Role = Type.Enum(USER_ROLES);
const Locale = Type.Enum(LOCALES);
const Password = Type.String({ maxLength: USER_LIMITS.password.maxLength });

export const LoginBody = Type.Object(
  {
    login: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const PasswordChangeBody = Type.Object(
  { current_password: Type.String({ maxLength: 1000 }), new_password: Type.String({ maxLength: 1000 }) },
  { additionalProperties: false },
);
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export const CreateTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;

export const CreateUserBody = Type.Object(
  {
    login: Login,
    email: Email,
    name: Type.Optional(Name),
    password: Password,
    role: Type.Optional(Role),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(Role),
    disabled: Type.Optional(Type.Boolean()),
    email: Type.Optional(Email),
    name: Type.Optional(Name),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const UpdateProfileBody = Type.Object(
  { email: Type.Optional(Email), name: Type.Optional(Name), locale: Type.Optional(Locale) },
  { additionalProperties: false },
);
export type UpdateProfileBody = Static<typeof UpdateProfileBody>;

export const CreateInvitationBody = Type.Object(
  { email: Email, role: Role },
  { additionalProperties: false },
);
export type CreateInvitationBody = Static<typeof CreateInvitationBody>;

export const AcceptInvitationBody = Type.Object(
  { login: Login, name: Type.Optional(Name), password: Password },
  { additionalProperties: false },
);
export type AcceptInvitationBody = Static<typeof AcceptInvitationBody>;
