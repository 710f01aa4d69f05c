import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * Asks bash how `-x` prints each value: inside a word of its own, inside a word with other text (plain,
 * with a shell meta character, with a control character: bash picks raw, '...' or $'...' quoting by the
 * whole word) and expanded unquoted (split into fields, each quoted on its own). Each form is printed
 * between two markers, so what lies between them is exactly the text the trace would show for the value.
 */
const QUERY = `a=$1 z=$2 n=$3
set -f
for ((i = 0; i < n; i++)); do
  name=POLYTENE_MASK_$i
  v=\${!name}
  set -x
  : "$a$v$z"
  : " $a$v$z"
  : $'\\001'"$a$v$z"
  : $a$v$z
  { set +x; } 2>/dev/null
done`;

const QUERY_TIMEOUT_MS = 5_000;

/**
 * The texts a bash xtrace can print for `secrets` (and, for a value holding spaces, tabs or newlines, for
 * each of its fields, as `echo $S` prints them), in the script's locale and in C and C.UTF-8 (bash quotes
 * non-ASCII characters as octal escapes under C, and a script may switch its locale). Quoting works
 * character by character, so the form of a secret inside a longer word is a substring of that word's
 * trace. Without bash answering, the single-quoted form is computed here.
 */
export async function tracedForms(secrets: readonly string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const values = [...new Set(secrets.flatMap(withFields))];
  const forms = new Set(values.map(singleQuotedInner));
  if (values.length === 0) return [];
  const locales = new Set([env.LC_ALL || env.LC_CTYPE || env.LANG || 'C', 'C', 'C.UTF-8']);
  const answers = await Promise.all(
    [...locales].map((locale) => askBash(values, { PATH: env.PATH ?? process.env.PATH, LC_ALL: locale })),
  );
  for (const answer of answers) for (const form of answer) forms.add(form);
  return [...forms];
}

/** The value, and when `echo $value` would split it: its fields and the line echo makes of them. */
function withFields(value: string): string[] {
  const fields = value.split(/[ \t\n]+/).filter((field) => field.length > 0);
  return fields.length > 1 || fields[0] !== value ? [value, ...fields, fields.join(' ')] : [value];
}

/** How bash's sh_single_quote writes the value between its quotes. */
function singleQuotedInner(value: string): string {
  return value.replaceAll("'", "'\\''");
}

function askBash(values: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const nonce = randomBytes(8).toString('hex');
  const [start, end] = [`PolyteneA${nonce}`, `${nonce}PolyteneZ`];
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['--noprofile', '--norc', '-c', QUERY, 'polytene-mask', start, end, String(values.length)],
      // The values go in the environment, which only this user can read, never in argv (`ps` shows it).
      {
        env: { ...env, ...Object.fromEntries(values.map((v, i) => [`POLYTENE_MASK_${i}`, v])) },
        timeout: QUERY_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, _stdout, stderr) => {
        if (error) return resolve([]);
        const between = new RegExp(`${start}([\\s\\S]*?)${end}`, 'g');
        resolve([...stderr.matchAll(between)].map((match) => match[1] ?? ''));
      },
    );
  });
}
