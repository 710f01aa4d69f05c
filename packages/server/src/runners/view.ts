import type { RunnerView } from '@polytene/protocol';
import type { Runner } from '../db/schema.js';
import { iso } from '../http/schemas.js';
import { OFFERED_RUNNER_VERSION } from '../downloads/runner-bundle.js';

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
