import type { DeploymentStatus, DeploymentTrigger, WaitingFor } from '@polytene/protocol';
import type { AppContext } from '../../context.js';

/** What a waiting check needs of a deployment that has not started. */
export interface WaitingDeployment {
  id: number;
  project_id: number;
  environment_id: number;
  status: DeploymentStatus;
  trigger: DeploymentTrigger;
  queued_at: Date;
}

/**
 * One reason a deployment may wait: given the waiting deployments (never empty), the reason of each one
 * it holds back. Each check answers for all at once in a fixed number of queries.
 */
export type WaitingCheck = (
  ctx: AppContext,
  waiting: WaitingDeployment[],
) => Promise<Map<number, WaitingFor>>;
