import { Type, type Static } from 'typebox';
import type { CiStatus } from '@polytene/protocol';
import { invalidValue } from '../../errors.js';
import { parseCiTime, type BuildInput } from '../service.js';
import { ciStatusIn, type CiStatusMap } from '../source.js';
import { GITLAB_PIPELINE_STATUSES } from '../gitlab/payload.js';

const IdValue = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 200 })]);
const TimeValue = Type.Union([Type.String({ maxLength: 64 }), Type.Null()]);

/**
 * The build hook of GitLab CI 7.x–8.0 (`Ci::WebHookService#build_data`), which the seed took. Fields not
 * listed here are ignored, at every level: CI payloads grow (architecture.md §7).
 */
export const LegacyBuildBody = Type.Object(
  {
    build_id: IdValue,
    build_name: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
    project_id: Type.Optional(IdValue),
    project_name: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
    gitlab_url: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    build_status: Type.String({ minLength: 1, maxLength: 64 }),
    build_started_at: Type.Optional(TimeValue),
    build_finished_at: Type.Optional(TimeValue),
    ref: Type.String({ minLength: 1, maxLength: 300 }),
    sha: Type.String({ maxLength: 64 }),
    before_sha: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    push_data: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  },
  { additionalProperties: true },
);
export type LegacyBuildBody = Static<typeof LegacyBuildBody>;

/** GitLab CI's build status names (any case): GitLab's own, and the British `cancelled` older runners sent. */
export const LEGACY_STATUSES: CiStatusMap = { ...GITLAB_PIPELINE_STATUSES, cancelled: 'canceled' };

export function ciStatusOf(name: string): CiStatus {
  const status = ciStatusIn(LEGACY_STATUSES, name.toLowerCase());
  if (!status) {
    const message = `is not a known build status (one of ${Object.keys(LEGACY_STATUSES).join(', ')})`;
    throw invalidValue('build_status', message);
  }
  return status;
}

function isTagPush(body: LegacyBuildBody): boolean {
  const push = body.push_data;
  if (body.ref.startsWith('refs/tags/')) return true;
  if (!push) return false;
  return (
    push.object_kind === 'tag_push' || (typeof push.ref === 'string' && push.ref.startsWith('refs/tags/'))
  );
}

export function legacyBuildInput(body: LegacyBuildBody): BuildInput {
  return {
    source: 'legacy',
    external_id: String(body.build_id),
    status: ciStatusOf(body.build_status),
    ref: body.ref,
    is_tag: isTagPush(body),
    sha: body.sha,
    before_sha: body.before_sha ?? null,
    started_at: parseCiTime('build_started_at', body.build_started_at),
    finished_at: parseCiTime('build_finished_at', body.build_finished_at),
    payload: body,
  };
}
