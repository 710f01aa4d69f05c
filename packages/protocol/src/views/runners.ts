/** Runners as their administration shows them (not the runner protocol, runner.ts). */
import { Type, type Static } from 'typebox';
import { DateTime, ListOf, NamedRef, Nullable, NullableDateTime, UserRef } from './common.js';

export const RunnerView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  owner: Nullable(UserRef),
  active: Type.Boolean(),
  shared: Type.Boolean(),
  public_key: Nullable(Type.String()),
  public_key_fingerprint: Nullable(Type.String()),
  version: Nullable(Type.String()),
  offered_version: Type.String({ description: 'the runner version this server offers for download' }),
  version_current: Nullable(
    Type.Boolean({ description: 'whether the runner runs the offered version; null until it said hello' }),
  ),
  hostname: Nullable(Type.String()),
  concurrency: Type.Integer(),
  last_seen_at: NullableDateTime,
  online: Type.Boolean({ description: 'seen within the lease time' }),
  projects: Type.Array(NamedRef, { description: 'linked projects the caller may view' }),
  created_at: DateTime,
});
export type RunnerView = Static<typeof RunnerView>;

export const RunnerList = ListOf('runners', RunnerView);
export type RunnerList = Static<typeof RunnerList>;

const RunnerToken = Type.String({ description: 'shown only once' });

/** A runner just registered, with its token. */
export const CreatedRunner = Type.Object({ ...RunnerView.properties, token: RunnerToken });
export type CreatedRunner = Static<typeof CreatedRunner>;

export const RunnerTokenView = Type.Object({ token: RunnerToken });
export type RunnerTokenView = Static<typeof RunnerTokenView>;
