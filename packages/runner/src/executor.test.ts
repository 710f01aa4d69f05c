import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execute, type OutputStream } from './executor.js';
import { Masker } from './masking.js';
import { tempDir } from './test-support/repo.js';

const dir = tempDir('polytene-exec-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(
  script: string,
  options: {
    env?: NodeJS.ProcessEnv;
    stopAfterMs?: number;
    killGraceMs?: number;
    secrets?: string[];
    maxLineChars?: number;
  } = {},
) {
  const lines: { stream: OutputStream; text: string }[] = [];
  const started = Date.now();
  const execution = await execute({
    script,
    scriptFile: path.join(dir, `script-${Math.random().toString(36).slice(2)}.sh`),
    cwd: dir,
    env: { PATH: process.env.PATH, ...options.env },
    onLine: (stream, text) => lines.push({ stream, text }),
    killGraceMs: options.killGraceMs ?? 1_000,
    masker: options.secrets ? new Masker(options.secrets) : undefined,
    maxLineChars: options.maxLineChars,
  });
  if (options.stopAfterMs !== undefined) setTimeout(() => execution.stop(), options.stopAfterMs);
  const result = await execution.done;
  return { ...result, lines, text: lines.map((l) => l.text), ms: Date.now() - started };
}

describe('executor', () => {
  it('echoes each command before its output, also inside $(...)', async () => {
    const result = await run('echo one\nname=$(echo sub)\necho "got $name"\n');
    expect(result.exitCode).toBe(0);
    expect(result.text).toEqual([
      '+ echo one',
      'one',
      '++ echo sub',
      '+ name=sub',
      "+ echo 'got sub'",
      'got sub',
    ]);
  });

  it('stops at the first failing command and reports its exit code', async () => {
    const result = await run('echo before\nfalse\necho never\n');
    expect(result.exitCode).toBe(1);
    expect(result.text).toContain('before');
    expect(result.text).not.toContain('never');
    const failing = await run('echo a\nsh -c "exit 7"\necho b\n');
    expect(failing.exitCode).toBe(7);
    expect(failing.text).not.toContain('b');
  });

  it('fails on a failing command inside a pipeline (pipefail)', async () => {
    const result = await run('false | cat\necho never\n');
    expect(result.exitCode).toBe(1);
    expect(result.text).not.toContain('never');
  });

  it('keeps stdout and stderr apart and in order', async () => {
    const result = await run('echo out1\nsleep 0.05\necho err1 >&2\nsleep 0.05\necho out2\n');
    const output = result.lines.filter((l) => !l.text.startsWith('+ '));
    expect(output).toEqual([
      { stream: 'stdout', text: 'out1' },
      { stream: 'stderr', text: 'err1' },
      { stream: 'stdout', text: 'out2' },
    ]);
  });

  it('reads fast output completely and in order, from both streams', async () => {
    const result = await run(
      'set +x\nfor i in $(seq 1 100000); do echo "out $i"; if [ $((i % 1000)) = 0 ]; then echo "err $i" >&2; fi; done\n',
    );
    expect(result.exitCode).toBe(0);
    const out = result.lines.filter((l) => l.stream === 'stdout' && l.text.startsWith('out '));
    const err = result.lines.filter((l) => l.stream === 'stderr');
    expect(out.map((l) => l.text)).toEqual(Array.from({ length: 100_000 }, (_, i) => `out ${i + 1}`));
    expect(err.map((l) => l.text)).toEqual(Array.from({ length: 100 }, (_, i) => `err ${(i + 1) * 1000}`));
  });

  it('a paused reader holds the script back until it resumes, losing nothing', async () => {
    const lines: string[] = [];
    const execution = await execute({
      script: 'set +x\nfor i in $(seq 1 200000); do echo "line $i"; done\necho finished\n',
      scriptFile: path.join(dir, 'paused.sh'),
      cwd: dir,
      env: { PATH: process.env.PATH },
      onLine: (_stream, text) => lines.push(text),
      killGraceMs: 1_000,
    });
    execution.pause();
    // Unpaused, the script ends in about a second.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // The pipe holds at most 64 KiB: the script is blocked well before its end.
    expect(lines.length).toBeLessThan(20_000);
    expect(lines).not.toContain('finished');
    execution.resume();
    await execution.done;
    expect(lines.filter((l) => l.startsWith('line '))).toHaveLength(200_000);
    expect(lines.at(-1)).toBe('finished');
  });

  it('passes the environment and keeps a last line without a newline', async () => {
    const result = await run('printf "%s" "$GREETING"', { env: { GREETING: 'hello there' } });
    expect(result.text).toEqual(["+ printf %s 'hello there'", 'hello there']);
  });

  it('stops the whole process group on stop(), children included', async () => {
    const marker = path.join(dir, 'child-survived');
    const result = await run(`(sleep 3; touch ${marker}) &\nsleep 30\n`, { stopAfterMs: 300 });
    expect(result.signal).toBe('SIGTERM');
    expect(result.ms).toBeLessThan(5_000);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(existsSync(marker)).toBe(false);
  });

  it('kills with SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const result = await run("trap '' TERM\nsleep 30\n", { stopAfterMs: 200, killGraceMs: 300 });
    expect(result.ms).toBeLessThan(3_000);
    expect(result.exitCode === null || result.exitCode > 128).toBe(true);
  });

  it('cuts output without a newline at the limit, never inside a secret that is still arriving', async () => {
    // 98 chars then the first half of the secret (104 > the 100-char limit), a pause, then the rest.
    const script = [
      'set +x',
      `printf '%s' "${'a'.repeat(98)}" "TOPSEC"`,
      'sleep 0.3',
      `printf '%s\\n' "RET${'b'.repeat(150)}"`,
      'echo after',
    ].join('\n');
    const result = await run(script, { secrets: ['TOPSECRET'], maxLineChars: 100 });
    expect(result.exitCode).toBe(0);
    const pieces = result.text.slice(1, -1);
    expect(pieces.length).toBe(2);
    expect(pieces[0]?.length).toBeLessThanOrEqual(100);
    expect(pieces.join('')).toBe(`${'a'.repeat(98)}[MASKED]${'b'.repeat(150)}`);
    expect(result.text.at(-1)).toBe('after');
    expect(result.text.join('\n')).not.toMatch(/TOP|SEC|RET/);
  });

  it('masks secrets in every line it passes on', async () => {
    const result = await run('echo "token is TOPSECRET"', { secrets: ['TOPSECRET'] });
    expect(result.text).toEqual(["+ echo 'token is [MASKED]'", 'token is [MASKED]']);
  });
});
