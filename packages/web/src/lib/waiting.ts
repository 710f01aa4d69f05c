/** Why a deployment waits, in the user's language, from its `waiting_for` (the server's words otherwise). */
import type { DeploymentView, WaitingFor } from '@polytene/protocol';
import type { Translate } from '../i18n';
import { rollbackHoldBuild } from '@polytene/protocol/messages';
import { formatDateTime } from './format';

export function waitingReason(deployment: DeploymentView, t: Translate, locale: string): string | null {
  const w: WaitingFor | null = deployment.waiting_for;
  if (!w) return null;
  switch (w.reason) {
    case 'approval':
      return w.approvals ? t('waiting.approval', { ...w.approvals }) : w.message;
    case 'freeze':
      return w.until ? t('waiting.freeze', { until: formatDateTime(w.until, locale) }) : w.message;
    case 'hold':
      return w.held_by ? holdText(w.held_by.login, w.hold_reason ?? '', t) : w.message;
    case 'behind':
      return w.deployment_id ? t('waiting.behind', { id: w.deployment_id }) : w.message;
    case 'no_runner':
      if (!w.runner || w.runner.state === 'none') return t('waiting.runner.none');
      if (w.runner.state === 'paused') return t('waiting.runner.paused', { name: w.runner.name ?? '?' });
      return t('waiting.runner.offline', {
        name: w.runner.name ?? '?',
        since: formatDateTime(w.runner.since, locale),
      });
    default:
      return w.message;
  }
}

/** "held after rollback to build #7 by ann" or "held by ann: <their reason>". */
export function holdText(who: string, reason: string, t: Translate): string {
  const build = rollbackHoldBuild(reason);
  return build !== null ? t('waiting.holdRollback', { who, build }) : t('waiting.hold', { who, reason });
}

/** A deployment of a build older than the one live in its environment (the server marks it). */
export function isRollback(deployment: { rollback?: boolean }): boolean {
  return deployment.rollback === true;
}
