import type { ApprovalDecision } from '@polytene/protocol';
import type { ApiClient } from './client.js';
import { EXIT } from './errors.js';
import { printJson, type Output } from './output.js';
import { parseId } from './resolve.js';
import type { DeploymentView } from './views.js';

/** "2 of 3 approvals" from a deployment's view. */
export function approvalCount(d: DeploymentView): string {
  const given = (d.approvals ?? []).filter((a) => a.decision === 'approve').length;
  return `${given} of ${d.required_approvals ?? 0} approvals`;
}

/**
 * `polytene approve <deployment> [--reject] [-m comment]`: approves (or rejects) a deployment awaiting
 * approval and says what it is now. A refusal exits as the server answered (403: 3, 409: 2).
 */
export async function approve(
  client: ApiClient,
  out: Output,
  rawId: string,
  options: { reject?: boolean; message?: string },
): Promise<number> {
  const id = parseId(rawId, 'a deployment id');
  const decision: ApprovalDecision = options.reject ? 'reject' : 'approve';
  const comment = options.message?.trim();
  const d = await client.post<DeploymentView>(`/api/v1/deployments/${id}/approvals`, {
    decision,
    ...(comment ? { comment } : {}),
  });
  if (out.json) printJson(out, d);
  else if (decision === 'reject') out.line(`deployment ${id} rejected: ${d.status}`);
  else {
    const now = d.status === 'awaiting_approval' ? 'still awaiting approval' : d.status;
    out.line(`deployment ${id} approved (${approvalCount(d)}): ${now}`);
  }
  return EXIT.ok;
}
