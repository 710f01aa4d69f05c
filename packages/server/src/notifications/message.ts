import type { Build, Deployment } from '../db/schema.js';

/** Everything an end-of-deployment message tells. */
export interface DeploymentFacts {
  deployment: Deployment;
  build: Build;
  projectName: string;
  triggeredBy: string | null;
  publicUrl: string;
}

export interface MailContent {
  subject: string;
  text: string;
}

const REASONS: Record<NonNullable<Deployment['failure_reason']>, string> = {
  script_failure: 'the deployment script failed',
  timeout: 'the deployment ran past its timeout',
  runner_lost: 'the runner stopped answering',
  runner_error: 'the runner could not prepare the deployment (clone, checkout or setup)',
};

/** One line of text: no line breaks or control characters reach a mail header. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  return value.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}

export function deploymentLink(publicUrl: string, deploymentId: number): string {
  return `${publicUrl}/deployments/${deploymentId}`;
}

/** The notification sent when a deployment ends: subject names project, environment and status. */
export function deploymentEndedMail(facts: DeploymentFacts): MailContent {
  const { deployment, build } = facts;
  const project = oneLine(facts.projectName);
  const environment = oneLine(deployment.environment);
  const status = deployment.status.replace('_', ' ');
  const subject = `[Polytene] ${project} / ${environment}: deployment ${status}`;
  const trigger =
    deployment.trigger === 'auto' ? 'automatically, after CI' : `by ${facts.triggeredBy ?? 'a removed user'}`;
  const lines = [
    `Deployment #${deployment.id} of ${project} to ${environment} ${status}.`,
    '',
    `Build:      #${build.id} (${build.source}${build.external_id ? ` ${build.external_id}` : ''})`,
    `Ref:        ${build.ref}`,
    `Commit:     ${build.sha}`,
    `Triggered:  ${trigger}`,
  ];
  if (deployment.exit_code !== null) lines.push(`Exit code:  ${deployment.exit_code}`);
  if (deployment.failure_reason) {
    lines.push(`Reason:     ${deployment.failure_reason} (${REASONS[deployment.failure_reason]})`);
  }
  if (deployment.message) lines.push(`Message:    ${oneLine(deployment.message)}`);
  if (deployment.started_at) lines.push(`Started:    ${deployment.started_at.toISOString()}`);
  if (deployment.finished_at) lines.push(`Finished:   ${deployment.finished_at.toISOString()}`);
  lines.push('', `Log and details: ${deploymentLink(facts.publicUrl, deployment.id)}`, '');
  return { subject, text: lines.join('\n') };
}
