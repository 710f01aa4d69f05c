import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { validationFailed } from '../../errors.js';
import { parseCiTime, type BuildInput } from '../service.js';
import { ciStatusIn, type CiStatusMap } from '../source.js';
import { COMMIT_LIMITS, clipped, httpUrl, titleOf, type CommitInput } from '../../builds/commit.js';

/**
 * The parts of GitLab's webhook payloads Polytene reads (doc/user/project/integrations/webhook_events.md);
 * everything else GitLab sends is kept in the raw payload.
 */
const NullableString = Type.Union([Type.String(), Type.Null()]);

const PipelineHook = Type.Object({
  object_kind: Type.Literal('pipeline'),
  object_attributes: Type.Object({
    id: Type.Integer({ minimum: 1 }),
    ref: Type.String({ minLength: 1 }),
    tag: Type.Boolean(),
    sha: Type.String(),
    before_sha: Type.Optional(NullableString),
    status: Type.String(),
    created_at: Type.Optional(NullableString),
    finished_at: Type.Optional(NullableString),
  }),
});

const JobHook = Type.Object({
  object_kind: Type.Literal('build'),
  build_id: Type.Integer({ minimum: 1 }),
  pipeline_id: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  build_name: Type.String(),
  build_stage: Type.Optional(NullableString),
  build_status: Type.String(),
  ref: Type.String(),
  sha: Type.String(),
});

export type JobInfo = Static<typeof JobHook>;

/** GitLab's pipeline statuses onto Polytene's CI statuses; only success/failed can trigger a deployment. */
export const GITLAB_PIPELINE_STATUSES: CiStatusMap = {
  created: 'created',
  waiting_for_resource: 'pending',
  waiting_for_callback: 'pending',
  preparing: 'pending',
  pending: 'pending',
  scheduled: 'pending',
  running: 'running',
  canceling: 'running',
  success: 'success',
  failed: 'failed',
  canceled: 'canceled',
  skipped: 'skipped',
  manual: 'manual',
};

function checked<S extends TSchema>(schema: S, payload: unknown): Static<S> {
  if (Value.Check(schema, payload)) return payload;
  const problems = [...Value.Errors(schema, payload)].map((e) => ({
    field: e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'body',
    message: e.message,
  }));
  const first = problems[0]!;
  throw validationFailed(problems, `${first.field} ${first.message}`);
}

/**
 * A Pipeline Hook as a build: the pipeline id is the external id, so later events of the same pipeline
 * update its build. A tag pipeline (`tag: true`) is recorded with is_tag and never matches a branch config.
 */
export function pipelineBuildInput(payload: unknown): BuildInput {
  const { object_attributes: attrs } = checked(PipelineHook, payload);
  const status = ciStatusIn(GITLAB_PIPELINE_STATUSES, attrs.status);
  if (!status) {
    throw validationFailed(
      [{ field: 'object_attributes.status', message: 'is not a known pipeline status' }],
      `object_attributes.status "${attrs.status}" is not a GitLab pipeline status`,
    );
  }
  return {
    source: 'gitlab_pipeline',
    external_id: String(attrs.id),
    status,
    ref: attrs.ref,
    is_tag: attrs.tag,
    sha: attrs.sha,
    before_sha: attrs.before_sha ?? null,
    // Pipeline hooks carry no started_at: created_at is when the pipeline began.
    started_at: parseCiTime('object_attributes.created_at', attrs.created_at),
    finished_at: parseCiTime('object_attributes.finished_at', attrs.finished_at),
    payload,
    commit: pipelineCommit(payload),
  };
}

type Fields = Record<string, unknown>;

function fields(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

/** A commit time GitLab gives, or null when there is none or it cannot be read (never a refusal). */
function commitTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  try {
    return parseCiTime('commit.timestamp', value);
  } catch {
    return null;
  }
}

/**
 * A Pipeline Hook's commit context: `commit.title` (newer GitLab; else the message's first line),
 * `commit.author.name/email`, `commit.url`, `commit.timestamp` and the pipeline's `object_attributes.url`.
 * Read leniently: a missing or odd part is left empty, the build is still recorded.
 */
export function pipelineCommit(payload: unknown): CommitInput {
  const body = fields(payload);
  const commit = fields(body.commit);
  const author = fields(commit.author);
  return {
    commit_title: clipped(commit.title, COMMIT_LIMITS.title) ?? titleOf(commit.message),
    commit_author_name: clipped(author.name, COMMIT_LIMITS.author),
    commit_author_email: clipped(author.email, COMMIT_LIMITS.author),
    commit_url: httpUrl(commit.url),
    pipeline_url: httpUrl(fields(body.object_attributes).url),
    committed_at: commitTime(commit.timestamp),
  };
}

/**
 * A Job Hook's commit context, for the build of its pipeline: `commit.message`, `commit.author_name`
 * and `author_email` (its `author_url` is the author's profile, not the commit), and the commit and
 * pipeline pages made from the project's `web_url` (older payloads: `repository.homepage`).
 */
export function jobCommit(payload: unknown): CommitInput {
  const body = fields(payload);
  const commit = fields(body.commit);
  const web = httpUrl(fields(body.project).web_url) ?? httpUrl(fields(body.repository).homepage);
  const base = web?.replace(/\/+$/, '');
  const sha = typeof body.sha === 'string' && /^[0-9a-f]{40}$/.test(body.sha) ? body.sha : null;
  const pipeline = Number.isSafeInteger(body.pipeline_id) ? Number(body.pipeline_id) : null;
  return {
    commit_title: titleOf(commit.message),
    commit_author_name: clipped(commit.author_name, COMMIT_LIMITS.author),
    commit_author_email: clipped(commit.author_email, COMMIT_LIMITS.author),
    commit_url: base && sha ? httpUrl(`${base}/-/commit/${sha}`) : null,
    pipeline_url: base && pipeline !== null ? httpUrl(`${base}/-/pipelines/${pipeline}`) : null,
  };
}

/** A Job Hook, checked: stored as information about one job of a pipeline, not as a build of its own. */
export function jobInfo(payload: unknown): JobInfo {
  return checked(JobHook, payload);
}
