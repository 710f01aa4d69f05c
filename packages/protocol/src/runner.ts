/**
 * The runner <-> server contract (architecture.md §5). Both ends validate against these schemas.
 */
import { Type, type Static } from 'typebox';
import { DEPLOYMENT_STATUSES, FAILURE_REASONS } from './states.js';
import { EnvironmentTargets } from './targets.js';

export const RUNNER_API_PREFIX = '/api/v1/runner';

/**
 * Authentication. `hello` and `jobs/request` send the runner token (`Authorization: Bearer prt_...`).
 * The per-job calls (`jobs/:id/log`, `PUT jobs/:id`) send the job token handed out with the job
 * (`Authorization: Bearer pjt_...`); it is valid only for that deployment and the runner that took it.
 */
export const RUNNER_TOKEN_PREFIX = 'prt';
export const JOB_TOKEN_PREFIX = 'pjt';
/** Error code of a 409 answered to a log batch or update sent after the job reached a final status. */
export const JOB_FINISHED_ERROR = 'JOB_FINISHED';

/** A long poll lasts at most this long on the server. */
export const JOB_REQUEST_MAX_WAIT_MS = 30_000;
/** The longest single log line the server stores; the runner splits longer ones. */
export const MAX_LOG_LINE_CHARS = 16_384;
/** The most lines one log batch may carry. */
export const MAX_LOG_BATCH_LINES = 5_000;
/** The largest log batch body (bytes of JSON) the server accepts; split batches by size too. */
export const MAX_LOG_BATCH_BYTES = 16 * 1024 * 1024;
/** How often the runner flushes log lines while output flows. */
export const LOG_FLUSH_MS = 500;
/** Line numbers are PostgreSQL integers. */
export const MAX_LOG_LINE_NUMBER = 2_147_483_647;

export const Sha = Type.String({
  pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$',
  description: 'full hex commit id',
});

export const HelloRequest = Type.Object(
  {
    version: Type.String({ minLength: 1, maxLength: 64 }),
    hostname: Type.String({ minLength: 1, maxLength: 255 }),
    public_key: Type.Union([Type.String({ minLength: 1, maxLength: 16_384 }), Type.Null()]),
    concurrency: Type.Integer({ minimum: 1, maximum: 256 }),
  },
  { additionalProperties: false },
);
export type HelloRequest = Static<typeof HelloRequest>;

export const HelloResponse = Type.Object({
  runner_id: Type.Integer(),
  name: Type.String(),
  lease_seconds: Type.Integer(),
  log_flush_ms: Type.Integer(),
  max_log_batch_lines: Type.Integer(),
  max_log_line_chars: Type.Integer(),
  max_log_batch_bytes: Type.Optional(Type.Integer()),
  active: Type.Optional(
    Type.Boolean({ description: 'false: the runner is paused and gets no jobs (403 on jobs/request)' }),
  ),
});
export type HelloResponse = Static<typeof HelloResponse>;

export const JobRequest = Type.Object(
  {
    wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: JOB_REQUEST_MAX_WAIT_MS })),
  },
  { additionalProperties: false },
);
export type JobRequest = Static<typeof JobRequest>;

export const JobVariable = Type.Object({
  key: Type.String(),
  value: Type.String(),
  secret: Type.Boolean(),
});
export type JobVariable = Static<typeof JobVariable>;

/**
 * Shortest secret value, in characters (code points): a shorter one is refused by the server (GitLab's
 * rule for masked variables) and not masked by the runner, as masking it would hide unrelated text.
 */
export const MIN_SECRET_LENGTH = 8;

export function isTooShortForSecret(value: string): boolean {
  return [...value].length < MIN_SECRET_LENGTH;
}

export const Job = Type.Object({
  id: Type.Integer({ description: 'deployment id' }),
  token: Type.String({ description: 'job-scoped token for the calls about this job' }),
  project: Type.Object({ id: Type.Integer(), name: Type.String(), clone_url: Type.String() }),
  build: Type.Object({
    id: Type.Integer(),
    ref: Type.String(),
    sha: Sha,
    external_id: Type.Union([Type.String(), Type.Null()]),
  }),
  branch: Type.String(),
  environment: Type.String(),
  artifacts_dir: Type.String(),
  script: Type.String(),
  timeout_seconds: Type.Integer(),
  variables: Type.Array(JobVariable),
  /** Absent from servers older than environments (0013): no targets. */
  targets: Type.Optional(EnvironmentTargets),
});
export type Job = Static<typeof Job>;

export const LOG_STREAMS = ['stdout', 'stderr', 'system'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

export const LogLine = Type.Object(
  {
    n: Type.Integer({ minimum: 1, maximum: MAX_LOG_LINE_NUMBER }),
    stream: Type.Enum(LOG_STREAMS),
    t: Type.String({ format: 'date-time' }),
    text: Type.String({ maxLength: MAX_LOG_LINE_CHARS }),
  },
  { additionalProperties: false },
);
export type LogLine = Static<typeof LogLine>;

export const LogBatch = Type.Object(
  { lines: Type.Array(LogLine, { maxItems: MAX_LOG_BATCH_LINES }) },
  { additionalProperties: false },
);
export type LogBatch = Static<typeof LogBatch>;

/** What the runner is told about its job: `canceling` means abort now; a final status means stop. */
export const JobControlStatus = Type.Enum([...DEPLOYMENT_STATUSES, 'canceling'] as const);
export type JobControlStatus = Static<typeof JobControlStatus>;

export const LogBatchResponse = Type.Object({
  last_n: Type.Integer({ description: 'highest line number stored for this deployment' }),
  status: JobControlStatus,
});
export type LogBatchResponse = Static<typeof LogBatchResponse>;

export const JobUpdate = Type.Object(
  {
    status: Type.Enum(['running', 'succeeded', 'failed', 'canceled'] as const),
    exit_code: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    failure_reason: Type.Optional(Type.Union([Type.Enum(FAILURE_REASONS), Type.Null()])),
    message: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type JobUpdate = Static<typeof JobUpdate>;

export const JobUpdateResponse = Type.Object({
  status: JobControlStatus,
  last_n: Type.Integer(),
});
export type JobUpdateResponse = Static<typeof JobUpdateResponse>;

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
    request_id: Type.Optional(Type.String()),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;
