/**
 * An environment's Ansible targets: the hosts the runner writes into `<artifacts dir>/inventory.yml`
 * (architecture.md §5). The schema checks shapes and sizes; `targetProblems` says in words what Ansible
 * would not accept, for the server's 400 and the runner's refusal alike.
 */
import { Type, type Static } from 'typebox';
import { ENVIRONMENT_LIMITS as L, type FieldProblem } from './limits.js';

export const TargetVariableValue = Type.Union([
  Type.String({ maxLength: L.target_variable_value.maxLength }),
  Type.Number(),
  Type.Boolean(),
]);
export type TargetVariableValue = Static<typeof TargetVariableValue>;

export const EnvironmentTarget = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: L.target_name.maxLength,
      description: 'the inventory hostname: letters, digits, "_", "-" and "."',
    }),
    address: Type.String({
      minLength: 1,
      maxLength: L.target_address.maxLength,
      description: 'what Ansible connects to (ansible_host): a host name or IP address',
    }),
    groups: Type.Array(Type.String({ minLength: 1, maxLength: L.target_name.maxLength }), {
      maxItems: L.target_groups.maxItems,
      description: 'Ansible groups the host is in: letters, digits and "_", not starting with a digit',
    }),
    variables: Type.Record(Type.String(), TargetVariableValue, {
      maxProperties: L.target_variables.maxProperties,
      description: 'host variables written next to ansible_host',
    }),
  },
  { additionalProperties: false },
);
export type EnvironmentTarget = Static<typeof EnvironmentTarget>;

export const EnvironmentTargets = Type.Array(EnvironmentTarget, {
  maxItems: L.targets.maxItems,
  description: "the environment's Ansible targets, written into <artifacts dir>/inventory.yml",
});
export type EnvironmentTargets = Static<typeof EnvironmentTargets>;

const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Ansible group and variable names: a Python identifier in ASCII. */
const ANSIBLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// eslint-disable-next-line no-control-regex
const SPACE_OR_CONTROL = /[\s\x00-\x1f\x7f]/;
/** Groups every Ansible inventory has already. */
const RESERVED_GROUPS = new Set(['all', 'ungrouped']);
/** Host variables the runner sets itself. */
const RESERVED_VARIABLES = new Set(['ansible_host']);

/** Why `name` cannot be an inventory hostname, or null. */
export function targetNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (!HOST_NAME.test(name))
    return 'may hold only letters, digits, "_", "-" and ".", starting with a letter, digit or "_"';
  return null;
}

/** Why `address` cannot be what Ansible connects to, or null. */
export function targetAddressProblem(address: string): string | null {
  if (address.length === 0) return 'must not be empty';
  if (SPACE_OR_CONTROL.test(address)) return 'must not contain spaces or control characters';
  if (address.startsWith('-')) return 'must not start with "-"';
  return null;
}

/** Why `group` cannot name an Ansible group, or null. */
export function targetGroupProblem(group: string): string | null {
  if (!ANSIBLE_NAME.test(group))
    return 'may hold only letters, digits and "_", and must not start with a digit';
  if (RESERVED_GROUPS.has(group)) return `must not be "${group}", which every inventory has already`;
  return null;
}

/** Why `key` cannot name a host variable, or null. */
export function targetVariableProblem(key: string): string | null {
  const longest = L.target_variable_key.maxLength;
  if (key.length > longest) return `must be at most ${longest} characters`;
  if (!ANSIBLE_NAME.test(key))
    return 'may hold only letters, digits and "_", and must not start with a digit';
  if (RESERVED_VARIABLES.has(key)) return `must not be "${key}": the target's address is written there`;
  return null;
}

/**
 * Every problem of a list of targets (already of the EnvironmentTarget shape), in words, with the field
 * each is about (`targets.2.groups.0`); none when Ansible will take them as they are.
 */
export function targetProblems(targets: readonly EnvironmentTarget[], field = 'targets'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (where: string, code: FieldProblem['code'], message: string) =>
    problems.push({ field: `${field}.${where}`, code, message });
  const names = new Set<string>();
  const groups = new Set<string>();
  targets.forEach((target, i) => {
    const which = `target ${i + 1} ("${target.name}")`;
    const nameProblem = targetNameProblem(target.name);
    if (nameProblem) add(`${i}.name`, 'invalid_format', `${which}: the name ${nameProblem}`);
    else if (names.has(target.name))
      add(`${i}.name`, 'duplicate', `${which}: another target has the same name`);
    names.add(target.name);
    const addressProblem = targetAddressProblem(target.address);
    if (addressProblem) add(`${i}.address`, 'invalid_format', `${which}: the address ${addressProblem}`);
    const own = new Set<string>();
    target.groups.forEach((group, g) => {
      const groupProblem = targetGroupProblem(group);
      if (groupProblem)
        add(`${i}.groups.${g}`, 'invalid_format', `${which}: group "${group}" ${groupProblem}`);
      else if (own.has(group))
        add(`${i}.groups.${g}`, 'duplicate', `${which}: group "${group}" is listed twice`);
      own.add(group);
      groups.add(group);
    });
    for (const key of Object.keys(target.variables)) {
      const variableProblem = targetVariableProblem(key);
      if (variableProblem)
        add(`${i}.variables.${key}`, 'invalid_format', `${which}: variable "${key}" ${variableProblem}`);
    }
  });
  targets.forEach((target, i) => {
    if (groups.has(target.name))
      add(
        `${i}.name`,
        'duplicate',
        `target ${i + 1} ("${target.name}"): a group has the same name, which Ansible cannot tell apart`,
      );
  });
  return problems;
}
