import { rmSync } from 'node:fs';
import path from 'node:path';
import type { LogBatchResponse, LogLine } from '@polytene/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { execute } from './executor.js';
import { LogShipper } from './log-shipper.js';
import { MASK, Masker } from './masking.js';
import { tempDir } from './test-support/repo.js';

const dir = tempDir('polytene-masking-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each secret holds a word of its own (its `mark`), which must never reach the log in any form. */
const SECRETS = {
  QUOTE: { value: "it's-a-S3cret'quote", marks: ['S3cret', 'quote'] },
  DOUBLE: { value: 'say "Dbl0uble" now', marks: ['Dbl0uble'] },
  BACKSLASH: { value: 'C:\\Back5lash\\path', marks: ['Back5lash'] },
  DOLLAR: { value: '$HOME-D0llar-$(id)', marks: ['D0llar'] },
  TAB: { value: 'tabbed-Ta6one\ttabbed-Ta6two', marks: ['Ta6one', 'Ta6two'] },
  LINES: { value: 'first-line-Mult1\nsecond-line-Mult2', marks: ['Mult1', 'Mult2'] },
  CONTROL: { value: 'ctl\u0001C0ntrol-char', marks: ['C0ntrol'] },
  UNICODE: { value: 'zażółć🔑-Un1code', marks: ['Un1code', 'zażółć'] },
  PLAIN: { value: 'plainPl4inValue', marks: ['Pl4in'] },
};

/** A script echoing every secret in the ways deployment scripts do. */
function echoScript(names: string[]): string {
  return names
    .flatMap((name) => [
      `echo $${name}`,
      `echo "$${name}"`,
      `echo "x\${${name}}y"`,
      `printf '%s\\n' "$${name}"`,
      `export T=$${name}`,
      `T2="pre-$${name}"`,
      `echo "$T"`,
    ])
    .join('\n');
}

/** Runs the script with the real executor and ships its lines the way a job does; answers the shipped lines. */
async function shippedLines(env: NodeJS.ProcessEnv): Promise<string[]> {
  const secrets = Object.values(SECRETS).map((s) => s.value);
  const variables = Object.fromEntries(Object.entries(SECRETS).map(([name, s]) => [name, s.value]));
  const scriptEnv = { PATH: process.env.PATH, ...env, ...variables };
  const stored: LogLine[] = [];
  const shipper = new LogShipper({
    send: async (lines): Promise<LogBatchResponse> => {
      stored.push(...lines);
      return { last_n: lines.at(-1)?.n ?? 0, status: 'running' };
    },
    flushMs: 50,
    maxBatchLines: 1000,
    maxBatchBytes: 1024 * 1024,
    maxLineChars: 4096,
    limitBytes: 10 * 1024 * 1024,
    secrets,
    onStatus: () => undefined,
    onRefused: () => undefined,
  });
  shipper.useMasker(await Masker.forScript(secrets, scriptEnv));
  const execution = await execute({
    script: echoScript(Object.keys(SECRETS)),
    scriptFile: path.join(dir, `script-${Math.random().toString(36).slice(2)}.sh`),
    cwd: dir,
    env: scriptEnv,
    onLine: (stream, text) => shipper.add(stream, text, true),
    masker: shipper.secretMasker,
    killGraceMs: 1_000,
  });
  expect((await execution.done).exitCode).toBe(0);
  await shipper.close();
  return stored.map((l) => l.text);
}

describe('masking secrets in what the script prints and in its bash trace', () => {
  for (const locale of ['C', 'C.UTF-8']) {
    it(`leaves no secret nor any quoted form or fragment of one in the log (LC_ALL=${locale})`, async () => {
      const lines = await shippedLines({ LC_ALL: locale });
      const log = lines.join('\n');
      for (const [name, secret] of Object.entries(SECRETS)) {
        for (const mark of secret.marks) expect(log, `${name}: ${mark}\n${log}`).not.toContain(mark);
      }
      expect(lines).toContain(`+ echo '${MASK}'`);
      expect(lines).toContain(`+ echo 'x${MASK}y'`);
      expect(lines).toContain(`+ export 'T=${MASK}'`);
      expect(lines.filter((l) => l === MASK).length).toBeGreaterThanOrEqual(Object.keys(SECRETS).length * 3);
    });
  }

  it('masks neither values shorter than 8 characters nor short lines of a multi-line secret', () => {
    const masker = new Masker(['ab', 'seven77', 'long-enough\n}\n']);
    expect(masker.mask('production-ab8e18ef seven77 }')).toBe('production-ab8e18ef seven77 }');
    expect(masker.mask('x long-enough y')).toBe(`x ${MASK} y`);
  });
});
