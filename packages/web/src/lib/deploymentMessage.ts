/** A deployment's message in the user's language when it is one Polytene knows; free text as it is. */
import { deploymentMessageCode, type DeploymentMessageCode } from '@polytene/protocol/messages';
import type { MessageKey, Translate } from '../i18n/translate';

const KEYS: Record<DeploymentMessageCode, MessageKey> = {
  canceled_from_polytene: 'deploymentMessage.canceled_from_polytene',
  timed_out: 'deploymentMessage.timed_out',
  runner_stopped: 'deploymentMessage.runner_stopped',
  canceled_runner_silent: 'deploymentMessage.canceled_runner_silent',
  lease_expired: 'deploymentMessage.lease_expired',
  newer_build_waiting: 'deploymentMessage.newer_build_waiting',
  newer_build_live: 'deploymentMessage.newer_build_live',
  exit_code: 'deploymentMessage.exit_code',
  signal: 'deploymentMessage.signal',
};

export function deploymentMessage(text: string, t: Translate): string {
  const known = deploymentMessageCode(text);
  return known ? t(KEYS[known.code], known.params) : text;
}
