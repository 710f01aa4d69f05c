import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EnvironmentTarget, TargetVariableValue } from '@polytene/protocol';
import YAML from 'yaml';

export const INVENTORY_FILE = 'inventory.yml';

type HostVars = Record<string, TargetVariableValue>;
type Group = { hosts: Record<string, null> };

export interface Inventory {
  all: { hosts: Record<string, HostVars>; children: Record<string, Group> };
}

/** An object without a prototype: a name such as `__proto__` is a key like any other. */
function dict<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** The Ansible YAML inventory: every host with its vars under `all.hosts`, each group listing its hosts. */
export function inventoryOf(targets: readonly EnvironmentTarget[]): Inventory {
  const hosts = dict<HostVars>();
  const children = dict<Group>();
  for (const target of targets) {
    const vars = dict<TargetVariableValue>();
    vars.ansible_host = target.address;
    for (const [key, value] of Object.entries(target.variables)) vars[key] = value;
    hosts[target.name] = vars;
    for (const group of target.groups) {
      const members = children[group]?.hosts ?? dict<null>();
      members[target.name] = null;
      children[group] = { hosts: members };
    }
  }
  return { all: { hosts, children } };
}

/**
 * The inventory as YAML that Ansible's PyYAML reads back as written: YAML 1.1 quoting, so that text
 * such as `yes`, `0777` or `12:30` stays text instead of becoming a boolean or a number there.
 */
export function inventoryYaml(targets: readonly EnvironmentTarget[]): string {
  return YAML.stringify(inventoryOf(targets), { version: '1.1', lineWidth: 0 });
}

/** Writes `<dir>/inventory.yml`; answers its absolute path. */
export async function writeInventory(dir: string, targets: readonly EnvironmentTarget[]): Promise<string> {
  const file = path.resolve(dir, INVENTORY_FILE);
  await writeFile(file, inventoryYaml(targets));
  return file;
}
