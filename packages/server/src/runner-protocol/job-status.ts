import { isFinalStatus, JOB_FINISHED_ERROR, type JobControlStatus } from '@polytene/protocol';
import type { Deployment } from '../db/schema.js';
import { conflict } from '../errors.js';

/** What a runner is told about its job: `canceling` while a cancel request waits on a running one. */
export function controlStatus(
  deployment: Pick<Deployment, 'status' | 'cancel_requested_at'>,
): JobControlStatus {
  if (deployment.status === 'running' && deployment.cancel_requested_at) return 'canceling';
  return deployment.status;
}

/** 409 for anything a runner sends about a job that already has a final status. */
export function assertNotFinished(deployment: Pick<Deployment, 'status' | 'failure_reason'>): void {
  if (isFinalStatus(deployment.status)) {
    throw conflict(JOB_FINISHED_ERROR, `the job has ended (${deployment.status})`, {
      status: deployment.status,
      failure_reason: deployment.failure_reason,
    });
  }
}
