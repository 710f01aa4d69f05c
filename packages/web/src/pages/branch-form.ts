/** The branch editor's form state and its mapping to and from the API (BranchEditor.tsx). */
import type { FieldProblem } from '../api/client';
import type { BranchInput } from '../api/endpoints';
import type { BranchConfigView, DeploymentType } from '@polytene/protocol';
import { localProblem } from '../lib/problems';
import { variableRows, variablesBody, type VariableRow } from '../components/VariablesEditor';

export type { VariableRow };

export interface BranchForm {
  branch_name: string;
  deployment_type: DeploymentType;
  deployment_script: string;
  environment: string;
  artifacts_dir: string;
  notification_emails: string;
  failed_build_can_be_auto_deployed: boolean;
  timeout_seconds: string;
  variables: VariableRow[];
}

export const EMPTY: BranchForm = {
  branch_name: '',
  deployment_type: 'manual',
  deployment_script: '',
  environment: 'production',
  artifacts_dir: 'polytene',
  notification_emails: '',
  failed_build_can_be_auto_deployed: false,
  timeout_seconds: '7200',
  variables: [],
};

export const FIELDS = Object.keys(EMPTY);

export function toForm(config: BranchConfigView): BranchForm {
  return {
    branch_name: config.branch_name,
    deployment_type: config.deployment_type,
    deployment_script: config.deployment_script,
    environment: config.environment,
    artifacts_dir: config.artifacts_dir,
    notification_emails: config.notification_emails.join(', '),
    failed_build_can_be_auto_deployed: config.failed_build_can_be_auto_deployed,
    timeout_seconds: String(config.timeout_seconds),
    variables: variableRows(config.variables),
  };
}

/** The request body: a stored secret left empty is sent without a value, so the server keeps it. */
export function toBody(form: BranchForm): BranchInput {
  return {
    branch_name: form.branch_name.trim(),
    deployment_type: form.deployment_type,
    deployment_script: form.deployment_script,
    environment: form.environment.trim(),
    artifacts_dir: form.artifacts_dir.trim(),
    notification_emails: form.notification_emails
      .split(/[\s,;]+/)
      .map((e) => e.trim())
      .filter(Boolean),
    failed_build_can_be_auto_deployed: form.failed_build_can_be_auto_deployed,
    timeout_seconds: Number(form.timeout_seconds),
    variables: variablesBody(form.variables),
  };
}

/**
 * What the form itself refuses before sending: a variable row with a value but no name (it would be
 * dropped without a word). A row with neither is only an empty row and is left out.
 */
export function formProblems(form: BranchForm): FieldProblem[] {
  return form.variables.flatMap((v, i) =>
    v.key.trim() === '' && v.value !== '' ? [localProblem(`variables.${i}.key`, 'required')] : [],
  );
}
