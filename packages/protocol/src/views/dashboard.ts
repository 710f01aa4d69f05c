/** The dashboard and the deployment statistics as the API shows them. */
import { Type, type Static } from 'typebox';
import { NamedRef, Nullable } from './common.js';
import { DeploymentView } from './deployments.js';

/** Every project × environment the caller sees, with its latest deployment. */
export const DashboardView = Type.Object({
  environments: Type.Array(
    Type.Object({
      project: NamedRef,
      environment: Type.String(),
      deployment: Nullable(DeploymentView),
      queued: Type.Integer({ description: 'deployments waiting in this environment' }),
    }),
  ),
});
export type DashboardView = Static<typeof DashboardView>;
export type DashboardEnvironment = DashboardView['environments'][number];

/** Succeeded and failed deployments per day. */
export const DeploymentStats = Type.Object({
  days: Type.Array(
    Type.Object({ date: Type.String({ format: 'date' }), succeeded: Type.Integer(), failed: Type.Integer() }),
  ),
});
export type DeploymentStats = Static<typeof DeploymentStats>;
