import { describe, expect, it } from 'vitest';
import { CI_STATUSES, type CiStatus } from '@polytene/protocol';
import { AppError } from '../errors.js';
import { ciStatusIn } from './source.js';
import { INTAKE_SOURCES } from './sources.js';
import { GENERIC_STATUSES } from './generic/payload.js';
import { GITLAB_PIPELINE_STATUSES } from './gitlab/payload.js';
import { LEGACY_STATUSES, ciStatusOf } from './legacy/payload.js';
import { GITHUB_CONCLUSIONS } from '../github/payload.js';

/** GitHub's workflow run conclusions (webhook docs, `workflow_run.conclusion`) and what Polytene records. */
const GITHUB_NAMES: [string, CiStatus][] = [
  ['success', 'success'],
  ['failure', 'failed'],
  ['timed_out', 'failed'],
  ['startup_failure', 'failed'],
  ['cancelled', 'canceled'],
  ['skipped', 'skipped'],
  ['neutral', 'skipped'],
  ['stale', 'skipped'],
  ['action_required', 'manual'],
];

/** GitLab's pipeline and job statuses (API docs, `status` of pipelines and jobs) and what Polytene records. */
const GITLAB_NAMES: [string, CiStatus][] = [
  ['created', 'created'],
  ['waiting_for_resource', 'pending'],
  ['waiting_for_callback', 'pending'],
  ['preparing', 'pending'],
  ['pending', 'pending'],
  ['scheduled', 'pending'],
  ['running', 'running'],
  ['canceling', 'running'],
  ['success', 'success'],
  ['failed', 'failed'],
  ['canceled', 'canceled'],
  ['skipped', 'skipped'],
  ['manual', 'manual'],
];

describe('the CI-status map of each intake source', () => {
  it('has one table per source, each naming only protocol CI statuses', () => {
    expect(INTAKE_SOURCES.map((s) => s.name)).toEqual(['legacy', 'generic', 'gitlab', 'github']);
    for (const source of INTAKE_SOURCES) {
      for (const status of Object.values(source.statuses)) expect(CI_STATUSES).toContain(status);
    }
  });

  it('generic: Polytene’s own names, each itself', () => {
    expect(GENERIC_STATUSES).toEqual(Object.fromEntries(CI_STATUSES.map((s) => [s, s])));
  });

  it.each(GITLAB_NAMES)('gitlab: pipeline status %s is recorded as %s', (name, status) => {
    expect(ciStatusIn(GITLAB_PIPELINE_STATUSES, name)).toBe(status);
  });

  it('gitlab: nothing but those names, so only success (and failed, where allowed) can deploy', () => {
    expect(Object.keys(GITLAB_PIPELINE_STATUSES).sort()).toEqual(GITLAB_NAMES.map(([n]) => n).sort());
    const deploying = Object.entries(GITLAB_PIPELINE_STATUSES).filter(
      ([, s]) => s === 'success' || s === 'failed',
    );
    expect(deploying).toEqual([
      ['success', 'success'],
      ['failed', 'failed'],
    ]);
  });

  it.each(GITHUB_NAMES)('github: conclusion %s is recorded as %s', (name, status) => {
    expect(ciStatusIn(GITHUB_CONCLUSIONS, name)).toBe(status);
  });

  it('github: nothing but those names', () => {
    expect(Object.keys(GITHUB_CONCLUSIONS).sort()).toEqual(GITHUB_NAMES.map(([n]) => n).sort());
  });

  it.each([...GITLAB_NAMES, ['cancelled', 'canceled'] as [string, CiStatus]])(
    'legacy: build status %s is recorded as %s, in any case',
    (name, status) => {
      expect(ciStatusIn(LEGACY_STATUSES, name)).toBe(status);
      expect(ciStatusOf(name.toUpperCase())).toBe(status);
    },
  );

  it('refuses names a source does not know, also those of an object’s prototype', () => {
    for (const source of INTAKE_SOURCES) {
      for (const name of ['succeeded', 'constructor', 'toString', '__proto__', ''])
        expect(ciStatusIn(source.statuses, name)).toBeNull();
    }
    expect(() => ciStatusOf('constructor')).toThrow(AppError);
    expect(() => ciStatusOf('succeeded')).toThrow(
      /build_status is not a known build status \(one of created, /,
    );
  });
});
