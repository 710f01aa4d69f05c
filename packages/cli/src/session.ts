import { createInterface } from 'node:readline';
import { ApiClient } from './client.js';
import { configPath, normalizeUrl, removeConfig, writeConfig } from './config.js';
import { CliError, EXIT } from './errors.js';
import { printJson, type Output } from './output.js';
import type { SessionView } from './views.js';

export const TOKEN_PREFIX = 'pt_';

/** Checks the token against the server (GET /api/v1/user), then saves URL and token (0600). */
export async function login(
  out: Output,
  rawUrl: string,
  options: { token?: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const url = normalizeUrl(rawUrl);
  const token = (options.token ?? env.POLYTENE_TOKEN ?? (await readToken())).trim();
  if (!token.startsWith(TOKEN_PREFIX)) {
    throw new CliError(
      EXIT.usage,
      `a personal API token starts with ${TOKEN_PREFIX}; create one on your profile page in Polytene`,
    );
  }
  const session = await new ApiClient(url, token).get<SessionView>('/api/v1/user');
  const file = configPath(env);
  writeConfig({ url, token, login: session.user.login }, file);
  if (out.json) printJson(out, { url, config: file, ...session });
  else out.line(`logged in to ${url} as ${session.user.login} (saved in ${file})`);
  if (session.must_change_password) out.note('change your password in the web UI before anything else');
  return EXIT.ok;
}

export function logout(out: Output, env: NodeJS.ProcessEnv = process.env): number {
  const file = configPath(env);
  const removed = removeConfig(file);
  if (out.json) printJson(out, { logged_out: removed, config: file });
  else out.line(removed ? `logged out (removed ${file})` : 'not logged in');
  return EXIT.ok;
}

/** The token from stdin: asked for without echo on a terminal, else the first line of the pipe. */
async function readToken(): Promise<string> {
  const input = process.stdin;
  const rl = createInterface({ input, output: process.stderr, terminal: input.isTTY === true });
  if (input.isTTY) {
    process.stderr.write('API token (pt_...): ');
    // Echo nothing of what is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  }
  try {
    for await (const line of rl) return line;
    throw new CliError(EXIT.usage, 'give the token with --token, POLYTENE_TOKEN or on stdin');
  } finally {
    if (input.isTTY) process.stderr.write('\n');
    rl.close();
  }
}
