#!/usr/bin/env node
import { existsSync } from 'node:fs';
import v8 from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import { ProtocolError, ServerRefusedError, ServerUnavailableError } from './client.js';
import {
  CONFIG_KEYS,
  ConfigError,
  defaultConfigPath,
  loadRunnerConfig,
  logFileOf,
  pidFileOf,
  type RunnerConfig,
  type RunnerConfigKey,
} from './config.js';
import {
  askAnswers,
  defaultKeyPath,
  existingAnswers,
  generateKey,
  writeConfigFile,
  type ConfigureAnswers,
} from './configure.js';
import { lastLine, removePidFile, runningPid, startDetached, stopProcess, writePidFile } from './daemon.js';
import { readPublicKey, RUNNER_VERSION } from './identity.js';
import { startRunner } from './index.js';
import { consoleLogger } from './logger.js';
import type { RetryPolicy } from './client.js';

// The runner's heap is mostly short-lived log lines; V8's default heap growth let it reach 140 MB of RSS
// while a script printed 1,000,000 lines with 4 MB of lines held. Growing the heap less keeps the peak
// under 100 MB (bench/runner-bench.mjs prints it). Set before any work is done.
v8.setFlagsFromString('--optimize-for-size');

/** Exit codes scripts can rely on (the last three as in sysexits.h). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notRunning: 3,
  unavailable: 69,
  refused: 77,
  config: 78,
} as const;

class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const EXIT_CODES_HELP = `
Exit codes:
  0   success (status: the runner is running)
  1   failure
  2   wrong command-line usage
  3   status: the runner is not running
  69  the Polytene server cannot be reached
  77  the server refused the runner token
  78  the configuration is invalid (every problem is listed)`;

const FAIL_FAST: RetryPolicy = { attempts: 3, initialDelayMs: 300, maxDelayMs: 1_000 };

function configOptions(command: Command): Command {
  command.option(
    '-c, --config <file>',
    `YAML config file (default ${defaultConfigPath()}; env POLYTENE_RUNNER_CONFIG)`,
  );
  for (const { flag, env, key } of CONFIG_KEYS) {
    command.addOption(new Option(`--${flag} <value>`, `${describe(key)} (env ${env})`));
  }
  return command;
}

function describe(key: RunnerConfigKey): string {
  const text: Record<RunnerConfigKey, string> = {
    url: 'Polytene server URL',
    token: 'runner token',
    sshKey: 'private SSH key used for git',
    workDir: 'directory for cached clones, work trees, pid and log files',
    concurrency: 'deployments run at once (default 1)',
    shutdownGraceSeconds: 'on stop, how long running deployments may finish (default 60)',
    killGraceSeconds: 'time between SIGTERM and SIGKILL of a stopped script (default 10)',
    logLimitBytes: 'largest log kept per deployment (default 104857600)',
    logMemoryBytes:
      'memory for log lines not sent yet per deployment; the rest waits in <work-dir>/spool (default 4194304)',
    pidFile: 'pid file (default <work-dir>/runner.pid)',
    logFile: 'log file of start --detach (default <work-dir>/runner.log)',
  };
  return text[key];
}

function configFile(options: Record<string, unknown>): { path: string; required: boolean } {
  const named = (options.config as string | undefined) ?? process.env.POLYTENE_RUNNER_CONFIG;
  return named ? { path: named, required: true } : { path: defaultConfigPath(), required: false };
}

function loadConfig(options: Record<string, unknown>): RunnerConfig {
  const flags: Partial<Record<RunnerConfigKey, unknown>> = {};
  for (const { key } of CONFIG_KEYS) if (options[key] !== undefined) flags[key] = options[key];
  return loadRunnerConfig({ file: configFile(options), flags });
}

/** Forwards the configuration flags to the background process. */
function forwardedArgs(options: Record<string, unknown>): string[] {
  const args: string[] = [];
  if (options.config) args.push('--config', String(options.config));
  for (const { key, flag } of CONFIG_KEYS)
    if (options[key] !== undefined) args.push(`--${flag}`, String(options[key]));
  return args;
}

async function start(options: Record<string, unknown>): Promise<void> {
  const config = loadConfig(options);
  const pidFile = pidFileOf(config);
  const pid = runningPid(pidFile);
  if (pid !== null) throw new CliExit(EXIT.failure, `already running (pid ${pid}, pid file ${pidFile})`);
  if (options.detach) {
    const logFile = logFileOf(config);
    const started = await startDetached(forwardedArgs(options), pidFile, logFile, 20_000);
    if (started.exitCode !== null) {
      throw new CliExit(
        started.exitCode || EXIT.failure,
        lastLine(logFile).replace(/^polytene-runner: /, ''),
      );
    }
    console.log(`polytene-runner started in the background (pid ${started.pid}); log: ${logFile}`);
    return;
  }
  const logger = consoleLogger();
  const runner = await startRunner(config, { logger, helloRetry: FAIL_FAST });
  writePidFile(pidFile);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info(`${signal} received`);
      void runner.stop().finally(resolve);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  removePidFile(pidFile);
  logger.info('stopped');
}

async function stop(options: Record<string, unknown>): Promise<void> {
  const config = loadConfig(options);
  const pid = runningPid(pidFileOf(config));
  if (pid === null) {
    console.log('polytene-runner is not running');
    return;
  }
  const waitMs = (config.shutdownGraceSeconds + config.killGraceSeconds + 30) * 1000;
  if (!(await stopProcess(pid, waitMs))) {
    throw new CliExit(EXIT.failure, `pid ${pid} did not stop within ${Math.round(waitMs / 1000)} s`);
  }
  console.log(`polytene-runner stopped (pid ${pid})`);
}

function status(options: Record<string, unknown>): void {
  const config = loadConfig(options);
  const pid = runningPid(pidFileOf(config));
  if (pid === null) throw new CliExit(EXIT.notRunning, 'polytene-runner is not running');
  console.log(`polytene-runner is running (pid ${pid})`);
}

async function validate(options: Record<string, unknown>): Promise<void> {
  const config = loadConfig(options);
  const { RunnerClient } = await import('./client.js');
  const { helloRequest } = await import('./identity.js');
  const settings = await new RunnerClient(config.url, config.token).hello(
    await helloRequest(config.sshKey, config.concurrency),
    FAIL_FAST,
  );
  console.log(
    `configuration is valid; ${config.url} knows this runner as "${settings.name}" (#${settings.runner_id})`,
  );
}

async function configure(options: Record<string, unknown>): Promise<void> {
  const file = configFile(options).path;
  const given: ConfigureAnswers = {
    ...existingAnswers(file),
    ...definedOnly({
      url: options.url as string | undefined,
      token: options.token as string | undefined,
      sshKey: options.sshKey as string | undefined,
      workDir: options.workDir as string | undefined,
      concurrency: options.concurrency as string | undefined,
    }),
  };
  const interactive = !options.nonInteractive && process.stdin.isTTY === true;
  let answers: ConfigureAnswers;
  if (interactive) {
    answers = await askAnswers(given, Boolean(options.generateKey));
  } else {
    answers = { ...given, sshKey: given.sshKey ?? (options.generateKey ? defaultKeyPath() : undefined) };
    if (options.generateKey && answers.sshKey && !existsSync(answers.sshKey))
      await generateKey(answers.sshKey);
  }
  const config = writeConfigFile(file, answers);
  console.log(`configuration written to ${file} (mode 0600)`);
  const publicKey = await readPublicKey(config.sshKey).catch(() => null);
  if (publicKey) console.log(`public key (Polytene registers it as a GitLab deploy key):\n  ${publicKey}`);
  try {
    await validate({ config: file });
  } catch (error) {
    if (error instanceof ServerUnavailableError) console.log(`warning: ${error.message}`);
    else throw error;
  }
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function program(): Command {
  const root = new Command('polytene-runner')
    .description('The Polytene deployment agent: takes deployments from a Polytene server and runs them.')
    .version(RUNNER_VERSION)
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  const sub = (name: string, description: string) =>
    configOptions(
      root.command(name).description(description).addHelpText('after', EXIT_CODES_HELP).exitOverride(),
    );
  sub(
    'configure',
    'ask for (or take from flags) the server URL, token and SSH key, and write the config file',
  )
    .option('--generate-key', 'create an ed25519 key pair at the --ssh-key path when it does not exist')
    .option('--non-interactive', 'do not ask; use the flags and the existing file only')
    .action((opts: Record<string, unknown>) => configure(opts));
  sub('start', 'run the runner in the foreground (logs to stdout), or in the background with --detach')
    .option('-d, --detach', 'run in the background with a pid file and a log file')
    .action((opts: Record<string, unknown>) => start(opts));
  sub('stop', 'stop the background runner (running deployments may finish for the grace period)').action(
    (opts: Record<string, unknown>) => stop(opts),
  );
  sub('restart', 'stop, then start in the background').action(async (opts: Record<string, unknown>) => {
    await stop(opts);
    await start({ ...opts, detach: true });
  });
  sub('status', 'tell whether the runner runs (exit 0) or not (exit 3)').action(
    (opts: Record<string, unknown>) => status(opts),
  );
  sub('validate', 'check the configuration and that the server accepts the token').action(
    (opts: Record<string, unknown>) => validate(opts),
  );
  return root;
}

/** One line on stderr and the matching exit code; never a stack trace. */
function exitFor(error: unknown): number {
  const say = (message: string) => process.stderr.write(`polytene-runner: ${message}\n`);
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ||
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version'
      ? EXIT.ok
      : EXIT.usage;
  }
  if (error instanceof CliExit) {
    (error.code === EXIT.notRunning ? (m: string) => console.log(m) : say)(error.message);
    return error.code;
  }
  if (error instanceof ConfigError) {
    for (const problem of error.problems) say(`invalid configuration: ${problem}`);
    return EXIT.config;
  }
  if (error instanceof ServerUnavailableError) {
    say(error.message);
    return EXIT.unavailable;
  }
  if (error instanceof ServerRefusedError) {
    if (error.status === 401 || error.status === 403) {
      say(
        `the server refused the runner token (${error.message}); check token or run "polytene-runner configure"`,
      );
      return EXIT.refused;
    }
    say(`the server refused the request: ${error.message}`);
    return EXIT.failure;
  }
  if (error instanceof ProtocolError) {
    say(error.message);
    return EXIT.failure;
  }
  say(error instanceof Error ? error.message : String(error));
  return EXIT.failure;
}

program()
  .parseAsync(process.argv)
  .then(
    () => process.exit(EXIT.ok),
    (error: unknown) => process.exit(exitFor(error)),
  );
