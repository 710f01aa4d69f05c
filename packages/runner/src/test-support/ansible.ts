import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tempDir } from './repo.js';

/** What `ansible-inventory --list` prints: the groups, and every host's vars under `_meta`. */
export interface AnsibleInventoryList {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  all: { children?: string[]; hosts?: string[] };
  [group: string]: { hosts?: string[]; children?: string[] } | AnsibleInventoryList['_meta'];
}

/**
 * The real `ansible-inventory -i <file> --list` (Debian's ansible-core), told to fail instead of warning
 * when it cannot parse the file, and to read it with the YAML plugin only; its own state goes to a temp dir.
 */
export async function ansibleInventoryList(file: string): Promise<AnsibleInventoryList> {
  const home = tempDir('polytene-ansible-');
  try {
    const { stdout } = await promisify(execFile)('ansible-inventory', ['-i', file, '--list'], {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        ANSIBLE_HOME: home,
        ANSIBLE_LOCAL_TEMP: home,
        ANSIBLE_INVENTORY_ENABLED: 'yaml',
        ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true',
        ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'true',
      },
      timeout: 60_000,
    });
    return JSON.parse(stdout) as AnsibleInventoryList;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
