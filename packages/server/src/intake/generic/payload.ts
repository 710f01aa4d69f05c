import { Type, type Static } from 'typebox';
import { CI_STATUSES, type CiStatus } from '@polytene/protocol';
import { DateTime } from '../../http/schemas.js';
import { CiStatusSchema } from '../../builds/view.js';
import { parseCiTime, type BuildInput } from '../service.js';
import { ciStatusIn, type CiStatusMap } from '../source.js';
import { COMMIT_LIMITS, httpUrl, type CommitInput } from '../../builds/commit.js';
import { invalidValue } from '../../errors.js';

const Url = (what: string) =>
  Type.Optional(Type.String({ maxLength: COMMIT_LIMITS.url, description: `${what}, an http(s) URL` }));

export const GenericBuildBody = Type.Object(
  {
    ref: Type.String({ minLength: 1, maxLength: 300, description: 'branch or tag; refs/heads/… accepted' }),
    sha: Type.String({ maxLength: 64 }),
    status: CiStatusSchema,
    external_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "the CI's id of this build; later calls with it update the same build",
      }),
    ),
    is_tag: Type.Optional(Type.Boolean()),
    before_sha: Type.Optional(Type.String({ maxLength: 64 })),
    started_at: Type.Optional(DateTime),
    finished_at: Type.Optional(DateTime),
    payload: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    commit_title: Type.Optional(
      Type.String({ maxLength: COMMIT_LIMITS.title, description: "the commit message's first line" }),
    ),
    commit_author_name: Type.Optional(Type.String({ maxLength: COMMIT_LIMITS.author })),
    commit_author_email: Type.Optional(Type.String({ maxLength: COMMIT_LIMITS.author })),
    commit_url: Url("the commit's page"),
    pipeline_url: Url("the CI pipeline's page"),
    committed_at: Type.Optional(DateTime),
  },
  // A CI script may send more than these; what Polytene does not read is ignored (architecture.md §7).
  { additionalProperties: true },
);
export type GenericBuildBody = Static<typeof GenericBuildBody>;

/** The generic intake speaks Polytene's own CI statuses (its schema takes no other name). */
export const GENERIC_STATUSES: CiStatusMap = Object.fromEntries(CI_STATUSES.map((s) => [s, s])) as Record<
  CiStatus,
  CiStatus
>;

/** A generic build as Polytene records it: the body says it all, in Polytene's own words. */
export function genericBuildInput(body: GenericBuildBody): BuildInput {
  return {
    source: 'generic',
    external_id: body.external_id ?? null,
    status: ciStatusIn(GENERIC_STATUSES, body.status) ?? body.status,
    ref: body.ref,
    is_tag: body.is_tag ?? false,
    sha: body.sha,
    before_sha: body.before_sha ?? null,
    started_at: parseCiTime('started_at', body.started_at),
    finished_at: parseCiTime('finished_at', body.finished_at),
    payload: body.payload,
    commit: genericCommit(body),
  };
}

function checkedUrl(field: 'commit_url' | 'pipeline_url', value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  const url = httpUrl(value);
  if (url === null) throw invalidValue(field, 'must be an http or https URL');
  return url;
}

/** The optional commit context of a generic build; a link that is not http(s) is a 400 naming it. */
function genericCommit(body: GenericBuildBody): CommitInput {
  const text = (value: string | undefined) => value?.trim() || null;
  return {
    commit_title: text(body.commit_title?.split('\n', 1)[0]),
    commit_author_name: text(body.commit_author_name),
    commit_author_email: text(body.commit_author_email),
    commit_url: checkedUrl('commit_url', body.commit_url),
    pipeline_url: checkedUrl('pipeline_url', body.pipeline_url),
    committed_at: parseCiTime('committed_at', body.committed_at),
  };
}
