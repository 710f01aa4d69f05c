import { Type, type Static } from 'typebox';
import type { Runner } from '../db/schema.js';
import { DateTime, NullableDateTime, iso } from '../http/schemas.js';
import { OFFERED_RUNNER_VERSION } from '../downloads/runner-bundle.js';

const Ref = Type.Object({ id: Type.Integer(), name: Type.String() });

export const RunnerView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  owner: Type.Union([Type.Object({ id: Type.Integer(), login: Type.String() }), Type.Null()]),
  active: Type.Boolean(),
  shared: Type.Boolean(),
  public_key: Type.Union([Type.String(), Type.Null()]),
  public_key_fingerprint: Type.Union([Type.String(), Type.Null()]),
  version: Type.Union([Type.String(), Type.Null()]),
  offered_version: Type.String({ description: 'the runner version this server offers for download' }),
  version_current: Type.Union([Type.Boolean(), Type.Null()], {
    description: 'whether the runner runs the offered version; null until it said hello',
  }),
  hostname: Type.Union([Type.String(), Type.Null()]),
  concurrency: Type.Integer(),
  last_seen_at: NullableDateTime,
  online: Type.Boolean({ description: 'seen within the lease time' }),
  projects: Type.Array(Ref, { description: 'linked projects the caller may view' }),
  created_at: DateTime,
});
export type RunnerView = Static<typeof RunnerView>;

export function toRunnerView(
  runner: Runner,
  extra: { ownerLogin: string | null; projects: { id: number; name: string }[]; leaseSeconds: number },
): RunnerView {
  const seen = runner.last_seen_at;
  return {
    id: runner.id,
    name: runner.name,
    owner:
      runner.owner_id !== null && extra.ownerLogin !== null
        ? { id: runner.owner_id, login: extra.ownerLogin }
        : null,
    active: runner.active,
    shared: runner.shared,
    public_key: runner.public_key,
    public_key_fingerprint: runner.public_key_fingerprint,
    version: runner.version,
    offered_version: OFFERED_RUNNER_VERSION,
    version_current: runner.version === null ? null : runner.version === OFFERED_RUNNER_VERSION,
    hostname: runner.hostname,
    concurrency: runner.concurrency,
    last_seen_at: iso(seen),
    online: seen !== null && Date.now() - seen.getTime() <= extra.leaseSeconds * 1000,
    projects: extra.projects,
    created_at: runner.created_at.toISOString(),
  };
}
