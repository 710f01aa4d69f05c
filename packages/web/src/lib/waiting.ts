/** Why a queued deployment waits, in words: the server's `waiting_for` when it says, else its message. */
import type { DeploymentView } from '@polytene/protocol';
import type { Translate } from '../i18n';
import { deploymentMessage } from './deploymentMessage';

export function waitingReason(deployment: DeploymentView, t: Translate): string | null {
  const waitingFor = (deployment as { waiting_for?: { message?: string } | null }).waiting_for;
  if (waitingFor?.message) return waitingFor.message;
  return deployment.message ? deploymentMessage(deployment.message, t) : null;
}

/** A deployment that rolled an environment back (trigger `rollback`, where the server records it). */
export function isRollback(deployment: DeploymentView): boolean {
  return (deployment.trigger as string) === 'rollback';
}
