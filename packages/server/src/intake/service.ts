import { sql } from 'kysely';
import { Type, type Static } from 'typebox';
import { isValidSha, refNameProblem, shortRef } from '@polytene/protocol';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { IntakeSource } from './source.js';
import type { BuildInput } from './build-input.js';
import { storable } from './storable.js';
import type { Db } from '../db/database.js';
import type { CiStatus } from '@polytene/protocol';
import type { BranchConfig, Build, Deployment, Project } from '../db/schema.js';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/service.js';
import { invalidValue } from '../errors.js';
import { queueDeployment } from '../deployments/service.js';
import { publishProjectEvent } from '../events/lists.js';
import { DeploymentView, Nullable, loadDeploymentView } from '../deployments/view.js';
import { BuildView, buildRows, toBuildView } from '../builds/view.js';
import { commitValues, keepKnown } from '../builds/commit.js';

/** GitLab's "no commit" (before_sha of a new branch): accepted as before_sha, never as the sha to deploy. */
const ZERO_SHA = /^0+$/;

export type { BuildInput } from './build-input.js';

export interface RecordedBuild {
  build: Build;
  /** True when this call created the build, false when it updated one seen before. */
  created: boolean;
  /** The automatic deployment this call queued, if any. */
  deployment: Deployment | null;
}

const CI_ACTOR: Actor = { id: null, login: 'ci', ip: null };

/**
 * Stores one CI event about a build of `project` and applies the auto-deploy rule. The one entry point of
 * every intake source (intake/source.ts: GitLab webhook, legacy, generic API).
 *
 * Contract:
 * - Run it inside a transaction (`trx`); everything it writes commits or rolls back with the caller.
 * - Validates `ref` (after `shortRef`) and `sha` / `before_sha` (hex; all-zero `before_sha` allowed) and
 *   throws a 400 naming the field before writing anything.
 * - With an `external_id` it upserts on (project, source, external_id): the first event creates the build,
 *   later ones update status, times, payload and the commit context they carry (ref and sha stay as
 *   first seen; a commit field a later event lacks keeps its earlier value), so repeated or
 *   concurrent deliveries of the same build never make a second one. Without one, it always inserts.
 * - Attaches the branch config whose `branch_name` is the short ref (tags match none).
 * - When the status is final for auto-deploy (`success`, or `failed` with
 *   `failed_build_can_be_auto_deployed`), the config is `auto` and the build was not auto-handled before,
 *   it marks the build handled and queues exactly one deployment with trigger `auto`, also when the final
 *   event arrives twice or concurrently.
 */
export async function recordBuild(
  ctx: AppContext,
  trx: Db,
  project: Project,
  input: BuildInput,
): Promise<RecordedBuild> {
  const ref = validRef(input.ref);
  const isTag = input.is_tag || input.ref.startsWith('refs/tags/');
  checkSha('sha', input.sha, { allowZero: false });
  if (input.before_sha != null) checkSha('before_sha', input.before_sha, { allowZero: true });

  const config = isTag ? undefined : await branchConfigFor(trx, project.id, ref);
  const values = {
    project_id: project.id,
    branch_config_id: config?.id ?? null,
    external_id: input.external_id,
    source: input.source,
    status: input.status,
    ref,
    is_tag: isTag,
    sha: input.sha,
    before_sha: input.before_sha ?? null,
    started_at: input.started_at ?? null,
    finished_at: input.finished_at ?? null,
    payload: input.payload === undefined ? null : JSON.stringify(input.payload),
    ...commitValues(input.commit),
  };
  const row = await trx
    .insertInto('builds')
    .values(values)
    .onConflict((oc) =>
      oc
        .columns(['project_id', 'source', 'external_id'])
        .where('external_id', 'is not', null)
        .doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          branch_config_id: sql<number | null>`coalesce(builds.branch_config_id, excluded.branch_config_id)`,
          before_sha: sql<string | null>`coalesce(excluded.before_sha, builds.before_sha)`,
          started_at: sql<Date | null>`coalesce(excluded.started_at, builds.started_at)`,
          finished_at: sql<Date | null>`coalesce(excluded.finished_at, builds.finished_at)`,
          payload: sql<string | null>`coalesce(excluded.payload, builds.payload)`,
          ...keepKnown(),
          updated_at: sql<Date>`now()`,
        })),
    )
    .returningAll()
    .returning(sql<boolean>`xmax = 0`.as('inserted'))
    .executeTakeFirstOrThrow();
  const { inserted, ...build } = row;
  if (inserted) {
    await recordAudit(trx, {
      actor: input.actor ?? CI_ACTOR,
      action: 'build_received',
      entityType: 'build',
      entityId: build.id,
      projectId: project.id,
      after: {
        source: build.source,
        external_id: build.external_id,
        ref,
        sha: build.sha,
        status: build.status,
      },
    });
  }
  await publishProjectEvent(trx, {
    kind: 'build',
    project_id: project.id,
    build_id: build.id,
    status: build.status,
  });
  const deployment = await autoDeploy(ctx, trx, build, config);
  return { build, created: inserted, deployment };
}

/** Whether a build in `status` is deployed automatically under `config`. */
export function qualifiesForAutoDeploy(status: CiStatus, config: BranchConfig): boolean {
  if (config.deployment_type !== 'auto') return false;
  return status === 'success' || (status === 'failed' && config.failed_build_can_be_auto_deployed);
}

async function autoDeploy(
  ctx: AppContext,
  trx: Db,
  build: Build,
  config: BranchConfig | undefined,
): Promise<Deployment | null> {
  const current = build.branch_config_id === config?.id ? config : await configById(trx, build);
  if (!current || !qualifiesForAutoDeploy(build.status, current)) return null;
  // The row is locked by the upsert until commit, so a concurrent delivery waits here and then sees
  // the flag already set: the claim below succeeds exactly once per build.
  const claimed = await trx
    .updateTable('builds')
    .set({ auto_deploy_handled: true })
    .where('id', '=', build.id)
    .where('auto_deploy_handled', '=', false)
    .returning('id')
    .executeTakeFirst();
  if (!claimed) return null;
  return queueDeployment(ctx, trx, build, current, 'auto', SYSTEM_ACTOR);
}

async function branchConfigFor(
  trx: Db,
  projectId: number,
  branch: string,
): Promise<BranchConfig | undefined> {
  return trx
    .selectFrom('branch_configs')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('branch_name', '=', branch)
    .executeTakeFirst();
}

async function configById(trx: Db, build: Build): Promise<BranchConfig | undefined> {
  if (build.branch_config_id === null) return undefined;
  return trx
    .selectFrom('branch_configs')
    .selectAll()
    .where('id', '=', build.branch_config_id)
    .executeTakeFirst();
}

function validRef(raw: string): string {
  const ref = shortRef(raw);
  const problem = refNameProblem(ref);
  if (problem) throw invalidValue('ref', problem);
  return ref;
}

function checkSha(field: string, value: string, options: { allowZero: boolean }): void {
  if (isValidSha(value) && (options.allowZero || !ZERO_SHA.test(value))) return;
  const message = options.allowZero
    ? 'must be a full lowercase hex commit id'
    : 'must be a full lowercase hex commit id, not all zeros';
  throw invalidValue(field, message);
}

/** What every intake answers: the build as stored now and the deployment the event queued, if any. */
export const IntakeResult = Type.Object({
  created: Type.Boolean(),
  build: BuildView,
  deployment: Nullable(DeploymentView),
});
export type IntakeResult = Static<typeof IntakeResult>;

/**
 * The shared recording of a parsed build (legacy and generic intake): recordBuild in a transaction of its
 * own, then the answer, 201 when the build is new and 200 when an earlier one was updated.
 */
export async function recordIntake<Payload>(
  ctx: AppContext,
  project: Project,
  source: IntakeSource<Payload, BuildInput>,
  request: FastifyRequest & { body: Payload },
): Promise<{ status: 200 | 201; result: IntakeResult }> {
  // A CI payload is stored as it came, but for what PostgreSQL cannot hold (NUL, lone surrogates).
  const input = source.parse(storable(request.body), request);
  const recorded = await ctx.db.transaction().execute((trx) => recordBuild(ctx, trx, project, input));
  return { status: recorded.created ? 201 : 200, result: await intakeResult(ctx, recorded) };
}

/** Reads the answer of an intake call after its transaction committed. */
export async function intakeResult(ctx: AppContext, recorded: RecordedBuild): Promise<IntakeResult> {
  const row = await buildRows(ctx.db).where('builds.id', '=', recorded.build.id).executeTakeFirstOrThrow();
  const deployment = recorded.deployment ? await loadDeploymentView(ctx, recorded.deployment.id) : null;
  return { created: recorded.created, build: toBuildView(row), deployment };
}

const GITLAB_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (UTC|[+-]\d{2}:?\d{2})$/;

/**
 * A CI timestamp: ISO 8601, or GitLab's `2016-02-05 13:22:13 UTC` / `... +0100`; null/undefined stay null.
 * Anything else is a 400 naming `field`.
 */
export function parseCiTime(field: string, value: string | null | undefined): Date | null {
  if (value == null || value === '') return null;
  const gitlab = GITLAB_TIME.exec(value);
  const zone = gitlab?.[3] === 'UTC' ? 'Z' : gitlab?.[3]?.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const text = gitlab ? `${gitlab[1]}T${gitlab[2]}${zone}` : value;
  const date = /^\d{4}-\d{2}-\d{2}T/.test(text) ? new Date(text) : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    const message = 'must be a date and time such as 2024-05-01T12:00:00Z';
    throw invalidValue(field, message);
  }
  return date;
}
