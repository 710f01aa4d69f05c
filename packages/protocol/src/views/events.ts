/**
 * The list events of GET /api/v1/events (Server-Sent Events, `LIST_SSE_EVENTS` in enums.ts): each says what
 * changed, by ids and a small status, so an open list knows when to fetch again. A `resync` event (no
 * data) says events may have been missed: fetch everything again. Only what the caller may see is sent.
 */
import { Type, type Static } from 'typebox';
import { CI_STATUSES, ENVIRONMENT_CHANGES, RUNNER_CHANGES } from '../enums.js';
import { DEPLOYMENT_STATUSES } from '../states.js';

export const BuildListEvent = Type.Object({
  kind: Type.Literal('build'),
  project_id: Type.Integer(),
  build_id: Type.Integer(),
  status: Type.Enum(CI_STATUSES),
});

export const DeploymentListEvent = Type.Object({
  kind: Type.Literal('deployment'),
  project_id: Type.Integer(),
  deployment_id: Type.Integer(),
  build_id: Type.Integer(),
  environment_id: Type.Integer(),
  status: Type.Enum(DEPLOYMENT_STATUSES),
  cancel_requested: Type.Boolean(),
});

export const EnvironmentListEvent = Type.Object({
  kind: Type.Literal('environment'),
  project_id: Type.Integer(),
  environment_id: Type.Integer(),
  change: Type.Enum(ENVIRONMENT_CHANGES),
});

export const RunnerListEvent = Type.Object({
  kind: Type.Literal('runner'),
  runner_id: Type.Integer(),
  change: Type.Enum(RUNNER_CHANGES),
});

export const ListEvent = Type.Union([
  BuildListEvent,
  DeploymentListEvent,
  EnvironmentListEvent,
  RunnerListEvent,
]);
export type ListEvent = Static<typeof ListEvent>;
export type ListEventOf<K extends ListEvent['kind']> = Extract<ListEvent, { kind: K }>;
