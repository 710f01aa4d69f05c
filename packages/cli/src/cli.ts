import { Command, CommanderError } from 'commander';
import { ApiClient, type Credentials } from './client.js';
import { normalizeUrl, readConfig, configPath } from './config.js';
import { approve } from './approvals.js';
import { deploy, logs, status } from './deployments.js';
import { envs, hold, resume, rollback } from './environments.js';
import { CliError, EXIT, EXIT_CODES_HELP } from './errors.js';
import { builds, projects } from './listing.js';
import { stdOutput, type Output } from './output.js';
import { login, logout } from './session.js';

declare const __POLYTENE_CLI_VERSION__: string | undefined;
const VERSION = typeof __POLYTENE_CLI_VERSION__ === 'string' ? __POLYTENE_CLI_VERSION__ : '0.0.0-dev';

interface GlobalOptions {
  json?: boolean;
  url?: string;
  token?: string;
}

/** The server and token: --url/--token, else POLYTENE_URL/POLYTENE_TOKEN, else the saved login. */
export function credentialsFor(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Credentials {
  const saved = readConfig(configPath(env));
  const url = options.url ?? env.POLYTENE_URL ?? saved?.url;
  const token = options.token ?? env.POLYTENE_TOKEN ?? saved?.token;
  if (!url || !token) {
    throw new CliError(
      EXIT.auth,
      'not logged in: run "polytene login <url>" (or set POLYTENE_URL and POLYTENE_TOKEN)',
    );
  }
  return { url: normalizeUrl(url), token };
}

type Run = (client: ApiClient, out: Output, ...args: never[]) => Promise<number>;

/** --wait and --follow, as deploy and rollback take them. */
const waitOptions = (cmd: Command) =>
  cmd
    .option('-w, --wait', 'wait for the outcome: exit 0 when it succeeded, 1 when not')
    .option('-f, --follow', 'print the log while waiting (implies --wait)');

export function program(setExit: (code: number) => void): Command {
  const root = new Command('polytene')
    .description('The Polytene command line: projects, builds, deployments and their logs.')
    .version(VERSION)
    .option('--json', "print the API's JSON instead of text")
    .option('--url <url>', 'Polytene server URL (env POLYTENE_URL; default: the saved login)')
    .option('--token <token>', 'personal API token pt_... (env POLYTENE_TOKEN; default: the saved login)')
    .addHelpText('after', EXIT_CODES_HELP)
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      outputError: (text, write) => write(`polytene: ${text.replace(/^error: /, '').trim()} (see --help)\n`),
    })
    .exitOverride();
  // Every command: the global options, the API client, the exit code of its action.
  const command = (spec: string, description: string) =>
    root.command(spec).description(description).addHelpText('after', EXIT_CODES_HELP).exitOverride();
  const withClient =
    (run: Run) =>
    async (...args: unknown[]) => {
      const cmd = args.at(-1) as Command;
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const values = args.slice(0, -2) as never[];
      setExit(
        await run(
          new ApiClient(() => credentialsFor(globals)),
          stdOutput(globals.json === true),
          ...values,
          cmd.opts() as never,
        ),
      );
    };

  command('login <url>', 'check a personal API token against the server and save it (0600)')
    .option('--token <token>', 'the token (default: POLYTENE_TOKEN, else asked for or read from stdin)')
    .action(async (url: string, opts: { token?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      setExit(await login(stdOutput(globals.json === true), url, { token: opts.token ?? globals.token }));
    });
  command('logout', 'forget the saved login').action((_opts, cmd: Command) => {
    setExit(logout(stdOutput(cmd.optsWithGlobals<GlobalOptions>().json === true)));
  });
  command('projects', 'list the projects you may see')
    .option('-s, --search <text>', 'only projects whose name contains this')
    .action(withClient(projects));
  command('builds <project>', 'list the newest builds of a project (by id or name)')
    .option('-r, --ref <ref>', 'only builds of this branch or tag')
    .option('-n, --limit <n>', 'how many (1-100)', '20')
    .action(withClient(builds));
  waitOptions(
    command(
      'deploy <target>',
      'deploy a build: <build-id>, or <project>:<ref> for its newest successful build',
    ).option('-e, --env <name>', "the environment (default: the branch config's)"),
  ).action(withClient(deploy));
  command('status <deployment>', 'show a deployment; exit 1 when it failed, was canceled or skipped').action(
    withClient(status),
  );
  command('logs <deployment>', "print a deployment's log")
    .option('-f, --follow', 'keep printing new lines until it ends (exit 1 unless it succeeded)')
    .option('--after <n>', 'only the lines after this line number', '0')
    .action(withClient(logs));
  waitOptions(
    command(
      'rollback <project>',
      'deploy again the newest build older than the live one; holds automatic deployment there',
    ).requiredOption('-e, --env <name>', 'the environment to roll back'),
  ).action(withClient(rollback));
  command('approve <deployment>', 'approve a deployment awaiting approval (or reject it, which cancels it)')
    .option('--reject', 'reject it instead')
    .option('-m, --message <comment>', 'why (recorded with the decision)')
    .action(withClient(approve));
  command('envs <project>', 'the environments in pipeline order: what is live, waits, is held').action(
    withClient(envs),
  );
  command('hold <project>', 'stop automatic deployment to an environment until resumed')
    .requiredOption('-e, --env <name>', 'the environment to hold')
    .requiredOption('-m, --message <reason>', 'why (shown to everyone)')
    .action(withClient(hold));
  command('resume <project>', 'let automatic deployment to a held environment go on')
    .requiredOption('-e, --env <name>', 'the environment to resume')
    .action(withClient(resume));
  return root;
}

/** One line on stderr and the matching exit code; never a stack trace. */
export function exitFor(error: unknown, say: (line: string) => void): number {
  if (error instanceof CommanderError) {
    const shown = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
    return error.exitCode === 0 || shown.includes(error.code) ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    say(`polytene: ${error.message}`);
    return error.code;
  }
  say(`polytene: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.server;
}
