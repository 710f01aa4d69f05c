/** The environment settings form's state and its mapping to and from the API (EnvironmentSettings.tsx). */
import type { EnvironmentTarget, EnvironmentUpdateBody, EnvironmentView } from '@polytene/protocol';
import { variableRows, variablesBody, type VariableRow } from './VariablesEditor';

export interface TargetRow {
  name: string;
  address: string;
  /** Group names separated by commas or spaces. */
  groups: string;
  /** One `key=value` per line. */
  variables: string;
}

export interface EnvironmentForm {
  name: string;
  position: string;
  url: string;
  variables: VariableRow[];
  targets: TargetRow[];
}

export const ENVIRONMENT_FIELDS = ['name', 'position', 'url', 'variables', 'targets'];

export const EMPTY_TARGET: TargetRow = { name: '', address: '', groups: '', variables: '' };

export function toEnvironmentForm(env: EnvironmentView): EnvironmentForm {
  return {
    name: env.name,
    position: String(env.position),
    url: env.url ?? '',
    variables: variableRows(env.variables),
    targets: env.targets.map((target) => ({
      name: target.name,
      address: target.address,
      groups: target.groups.join(', '),
      variables: Object.entries(target.variables)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join('\n'),
    })),
  };
}

function targetVariables(text: string): EnvironmentTarget['variables'] {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf('=');
      return at < 0 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    });
  return Object.fromEntries(entries) as EnvironmentTarget['variables'];
}

/** The PATCH body: a stored secret left empty is sent without a value, so the server keeps it. */
export function toEnvironmentBody(form: EnvironmentForm): EnvironmentUpdateBody {
  return {
    name: form.name.trim(),
    position: Number(form.position),
    url: form.url.trim() === '' ? null : form.url.trim(),
    variables: variablesBody(form.variables),
    targets: form.targets
      .filter((t) => t.name.trim() !== '' || t.address.trim() !== '')
      .map((t) => ({
        name: t.name.trim(),
        address: t.address.trim(),
        groups: t.groups
          .split(/[\s,]+/)
          .map((g) => g.trim())
          .filter(Boolean),
        variables: targetVariables(t.variables),
      })),
  };
}
