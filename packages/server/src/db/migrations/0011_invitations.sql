-- Invitations (issue 11, item 7): an administrator invites a person by email; the emailed link
-- /invitations/<token> lets them choose a login and a password once, before expires_at. Only the
-- SHA-256 of the token is stored (secrets.ts hashToken), as for API tokens.
CREATE TABLE invitations (
  id bigserial PRIMARY KEY,
  email text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'member')),
  token_hash text NOT NULL UNIQUE,
  invited_by bigint REFERENCES users (id) ON DELETE SET NULL,
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
