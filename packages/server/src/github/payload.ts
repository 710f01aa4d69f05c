import type { BuildInput } from '../intake/service.js';
import { parseCiTime } from '../intake/service.js';
import { ciStatusIn, type CiStatusMap, type Ignored } from '../intake/source.js';
import { invalidValue } from '../errors.js';

/**
 * A workflow run's `conclusion` (GitHub's webhook docs, `workflow_run.conclusion`) onto CI_STATUSES: the
 * one table of GitHub's vocabulary. Only completed runs are recorded, so `status` needs no table.
 */
export const GITHUB_CONCLUSIONS: CiStatusMap = {
  success: 'success',
  failure: 'failed',
  timed_out: 'failed',
  startup_failure: 'failed',
  cancelled: 'canceled',
  skipped: 'skipped',
  neutral: 'skipped',
  action_required: 'manual',
  stale: 'skipped',
};

/** The fields of a `workflow_run` delivery Polytene reads; GitHub sends many more, all ignored. */
interface WorkflowRunEvent {
  action?: unknown;
  workflow_run?: {
    id?: unknown;
    run_attempt?: unknown;
    head_branch?: unknown;
    head_sha?: unknown;
    conclusion?: unknown;
    run_started_at?: unknown;
    created_at?: unknown;
    updated_at?: unknown;
  };
}

function text(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalidValue(field, 'must be a non-empty string');
  return value;
}

function optionalTime(field: string, value: unknown): Date | null {
  return typeof value === 'string' ? parseCiTime(field, value) : null;
}

/**
 * A `workflow_run` delivery as a build: only `action: completed` is one (requested and in_progress are
 * ignored, as a run is deployed only when it ended). The external id is `<run id>-<run attempt>`, so a
 * re-run is a new build and a redelivery of the same attempt updates the one recorded.
 */
export function workflowRunBuildInput(body: unknown): BuildInput | Ignored {
  const event = (typeof body === 'object' && body !== null ? body : {}) as WorkflowRunEvent;
  if (event.action !== 'completed') {
    const action = typeof event.action === 'string' ? event.action : 'without an action';
    return { ignored: `workflow_run ${action} is not used: Polytene records completed runs` };
  }
  const run = event.workflow_run;
  if (typeof run !== 'object' || run === null) throw invalidValue('workflow_run', 'must be an object');
  const id = run.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id))
    throw invalidValue('workflow_run.id', 'must be an integer');
  const attempt = typeof run.run_attempt === 'number' ? run.run_attempt : 1;
  const conclusion = text('workflow_run.conclusion', run.conclusion);
  const status = ciStatusIn(GITHUB_CONCLUSIONS, conclusion);
  if (status === null) {
    const known = Object.keys(GITHUB_CONCLUSIONS).join(', ');
    throw invalidValue('workflow_run.conclusion', `is not a known conclusion (one of ${known})`);
  }
  return {
    source: 'github_workflow_run',
    external_id: `${id}-${attempt}`,
    status,
    ref: text('workflow_run.head_branch', run.head_branch),
    // GitHub gives a tag push's tag here too, and no field telling it: tags.ts asks GitHub.
    is_tag: false,
    sha: text('workflow_run.head_sha', run.head_sha),
    started_at: optionalTime('workflow_run.run_started_at', run.run_started_at ?? run.created_at),
    finished_at: optionalTime('workflow_run.updated_at', run.updated_at),
    payload: body,
    actor: { id: null, login: 'github', ip: null },
  };
}
