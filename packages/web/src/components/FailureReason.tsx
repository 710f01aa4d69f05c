/** Why a deployment failed, in words (the deployment page's outcome). */
import type { DeploymentView } from '@polytene/protocol';
import { useI18n } from '../i18n';
import { deploymentMessage } from '../lib/deploymentMessage';

/**
 * Why a deployment failed, once and in words: the reason with the exit code in one sentence. The runner's
 * message ("failed with exit code 1", "timed out") only repeats that, so it is shown only where it says
 * more: what went wrong preparing the checkout, or how a script without an exit code ended.
 */
export function FailureReason({ deployment: d }: { deployment: DeploymentView }) {
  const t = useI18n().t;
  const script = d.failure_reason === 'script_failure' || d.failure_reason === null;
  let reason: string;
  if (!script) reason = t(`failure.${d.failure_reason ?? 'script_failure'}`);
  else if (d.exit_code === null) reason = t('failure.script_failureNoCode');
  else reason = t('failure.script_failure', { code: d.exit_code });
  const tellsMore = d.failure_reason === 'runner_error' || (script && d.exit_code === null);
  return (
    <>
      <span data-testid="failure-reason">{reason}</span>
      {d.message && tellsMore && <span className="muted">{deploymentMessage(d.message, t)}</span>}
    </>
  );
}
