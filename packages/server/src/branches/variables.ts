import type { FieldProblem, VariableInput, VariableView } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { StoredVariable } from '../db/schema.js';
import { invalidField } from '../projects/validation.js';
import { problem } from '../http/problems.js';
import { checkSecretLength, variableKeyCode, variableKeyProblem } from './validation.js';

export type { VariableInput };

/** Variables as the API shows them (a branch's, an environment's): a secret one without its value. */
export function variableViews(stored: StoredVariable[]): VariableView[] {
  return stored.map((v) => ({
    key: v.key,
    value: v.secret ? null : (v.value ?? ''),
    secret: v.secret,
  }));
}

/**
 * A row with variables (a branch config, an environment) as an audit event shows it: secret values
 * left out, timestamps dropped (the event has its own).
 */
export function auditableWithVariables<
  R extends { variables: StoredVariable[]; created_at: Date; updated_at: Date },
>(row: R) {
  const { variables, created_at: _c, updated_at: _u, ...rest } = row;
  return { ...rest, variables: variableViews(variables) };
}

/** The column change for variables sent with an update: none when they were not sent. */
export function variablesChange(
  ctx: AppContext,
  input: VariableInput[] | undefined,
  existing: StoredVariable[],
) {
  return input ? { variables: JSON.stringify(storeVariables(ctx, input, existing)) } : {};
}

/**
 * Turns the variables sent by a person into their stored form. A secret value is encrypted; a secret
 * sent without a value keeps the value stored under the same key.
 */
export function storeVariables(
  ctx: AppContext,
  input: VariableInput[],
  existing: StoredVariable[],
): StoredVariable[] {
  const seen = new Set<string>();
  return input.map((variable, i) => {
    const problem = variableKeyProblem(variable.key);
    if (problem) throw invalidField(`variables.${i}.key`, problem);
    if (seen.has(variable.key)) throw invalidField(`variables.${i}.key`, 'is given twice', 'duplicate');
    seen.add(variable.key);
    const secret = variable.secret ?? false;
    const value = variable.value ?? null;
    if (secret) {
      if (value !== null) {
        checkSecretLength(variable.key, i, value, false);
        return { key: variable.key, secret, encrypted: ctx.secrets.encrypt(value) };
      }
      const kept = existing.find((e) => e.key === variable.key && e.secret && e.encrypted);
      if (!kept)
        throw invalidField(`variables.${i}.value`, 'is required for a new secret variable', 'required');
      checkSecretLength(variable.key, i, ctx.secrets.decrypt(kept.encrypted ?? ''), true);
      return { key: variable.key, secret, encrypted: kept.encrypted };
    }
    if (value === null) throw invalidField(`variables.${i}.value`, 'is required', 'required');
    return { key: variable.key, secret, value };
  });
}

/** The problems of variable keys (not a name, reserved, given twice), for one 400 naming them all. */
export function variableProblems(variables: readonly { key: string }[] | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  (variables ?? []).forEach((variable, i) => {
    const words = variableKeyProblem(variable.key);
    if (words) problems.push(problem(`variables.${i}.key`, variableKeyCode(variable.key), words));
    else if (seen.has(variable.key))
      problems.push(problem(`variables.${i}.key`, 'duplicate', 'is given twice'));
    seen.add(variable.key);
  });
  return problems;
}
