/** Exit codes scripts can rely on; `polytene --help` lists them. */
export const EXIT = {
  ok: 0,
  /** The deployment failed, was canceled or skipped (deploy --wait, status, logs --follow). */
  deploymentFailed: 1,
  /** Wrong command-line usage, or the server refused the request as invalid (400, 409, 422). */
  usage: 2,
  /** The server refused the token (401, 403) or there is none. */
  auth: 3,
  notFound: 4,
  /** The server cannot be reached. */
  unreachable: 5,
  /** The server failed (5xx) or answered what the CLI does not understand. */
  server: 6,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  the deployment failed, was canceled or skipped (deploy --wait, status, logs --follow)
  2  wrong usage, or the server refused the request as invalid
  3  not logged in, or the server refused the token (401/403)
  4  not found
  5  the server cannot be reached
  6  the server failed or gave an answer the CLI does not understand`;

/** An error the CLI reports as one line on stderr, exiting with `code`. */
export class CliError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The exit code for an HTTP error status. */
export function exitForStatus(status: number): number {
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 400 || status === 409 || status === 422) return EXIT.usage;
  return EXIT.server;
}
