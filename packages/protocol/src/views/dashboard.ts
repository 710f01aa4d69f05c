/** The dashboard and the deployment statistics as the API shows them. */
import { Type, type Static } from 'typebox';
import { Nullable, NullableDateTime } from './common.js';
import { DeploymentView } from './deployments.js';
import { EnvironmentDeployment, EnvironmentHold } from './environments.js';

/** One environment of a project on the dashboard: what is live there, its last attempt, what waits. */
export const DashboardCell = Type.Object({
  environment: Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    position: Type.Integer(),
    url: Nullable(Type.String()),
  }),
  live: Nullable(EnvironmentDeployment, { description: 'the last succeeded deployment' }),
  last: Nullable(EnvironmentDeployment, {
    description: 'the latest deployment that started, when it is not the live one',
  }),
  next: Nullable(DeploymentView, { description: 'the next deployment to start, with why it waits' }),
  waiting: Type.Integer({ description: 'deployments that have not started yet' }),
  hold: Nullable(EnvironmentHold, { description: 'automatic deployment is held here until resumed' }),
  frozen_until: NullableDateTime,
});
export type DashboardCell = Static<typeof DashboardCell>;

/** The projects × environments matrix: every project the caller sees, its environments in pipeline order. */
export const DashboardView = Type.Object({
  projects: Type.Array(
    Type.Object({ id: Type.Integer(), name: Type.String(), environments: Type.Array(DashboardCell) }),
  ),
});
export type DashboardView = Static<typeof DashboardView>;
export type DashboardProject = DashboardView['projects'][number];

/** Succeeded and failed deployments per day. */
export const DeploymentStats = Type.Object({
  days: Type.Array(
    Type.Object({ date: Type.String({ format: 'date' }), succeeded: Type.Integer(), failed: Type.Integer() }),
  ),
});
export type DeploymentStats = Static<typeof DeploymentStats>;
