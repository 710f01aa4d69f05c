/** Invitations by email (server invitations/): an admin's list, what creating one answers, the public link. */
import { Type, type Static } from 'typebox';
import { USER_ROLES } from '../enums.js';
import { DateTime, ListOf, Nullable } from './common.js';

/** A pending invitation, never with its token. */
export const InvitationView = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  role: Type.Enum(USER_ROLES),
  invited_by: Nullable(Type.Integer()),
  invited_by_login: Nullable(Type.String()),
  expires_at: DateTime,
  created_at: DateTime,
});
export type InvitationView = Static<typeof InvitationView>;

export const InvitationList = ListOf('invitations', InvitationView);
export type InvitationList = Static<typeof InvitationList>;

export const CreatedInvitation = Type.Object({
  invitation: InvitationView,
  emailed: Type.Boolean({ description: 'false when no SMTP server is configured' }),
  link: Type.Optional(
    Type.String({ description: 'only when not emailed: shown this once, for the admin to pass on' }),
  ),
});
export type CreatedInvitation = Static<typeof CreatedInvitation>;

/** What the invitation link shows before the person sets their login and password. */
export const InvitationLink = Type.Object({
  email: Type.String(),
  role: Type.Enum(USER_ROLES),
  expires_at: DateTime,
});
export type InvitationLink = Static<typeof InvitationLink>;
