import type { LogLine } from '@polytene/protocol';
import type { ApiClient } from './client.js';
import { CliError, EXIT } from './errors.js';
import { FINAL_STATUSES, followLog } from './follow.js';
import { printJson, shortSha, table, when, type Output } from './output.js';
import { findBuild, parseDeployTarget, parseId } from './resolve.js';
import { approvalCount } from './approvals.js';
import type { DeploymentView, LogPage } from './views.js';

const LOG_PAGE = 10_000;

export interface WaitOptions {
  /** Wait for the final status; exit 1 unless it succeeded. */
  wait?: boolean;
  /** Also print the log while waiting (implies wait). */
  follow?: boolean;
}

/** The exit code of a deployment's status: 1 when it ended without succeeding. */
export function exitForDeployment(status: string): number {
  return FINAL_STATUSES.includes(status) && status !== 'succeeded' ? EXIT.deploymentFailed : EXIT.ok;
}

/** "failed (script_failure, exit code 3)" */
export function outcome(d: DeploymentView): string {
  const code = d.exit_code === null || d.status === 'succeeded' ? null : `exit code ${d.exit_code}`;
  const why = [d.failure_reason, code].filter(Boolean);
  return why.length > 0 ? `${d.status} (${why.join(', ')})` : d.status;
}

const printLine = (out: Output) => (line: LogLine) => out.line(out.json ? JSON.stringify(line) : line.text);

export async function deploy(
  client: ApiClient,
  out: Output,
  target: string,
  options: WaitOptions & { env?: string },
): Promise<number> {
  const build = await findBuild(client, parseDeployTarget(target));
  const body = options.env === undefined ? {} : { environment: options.env };
  const created = await client.post<DeploymentView>(`/api/v1/builds/${build.id}/deployments`, body);
  return afterQueued(client, out, created, options);
}

/** Reports a queued deployment, then waits for it (and follows its log) when asked. */
export async function afterQueued(
  client: ApiClient,
  out: Output,
  created: DeploymentView,
  options: WaitOptions,
): Promise<number> {
  const { id, project, build, environment } = created;
  const state = created.status === 'awaiting_approval' ? 'awaiting approval' : 'queued';
  const summary = `deployment ${id} ${state}: ${project.name} ${build.ref}@${shortSha(build.sha)} (build ${build.id}) to ${environment}`;
  if (!options.wait && !options.follow) {
    if (out.json) printJson(out, created);
    else out.line(summary);
    return EXIT.ok;
  }
  out.note(summary);
  const print = printLine(out);
  await followLog(client, id, {
    onLines: (lines) => (options.follow && !out.json ? lines.forEach(print) : undefined),
    onDrop: (why) => out.note(`connection lost (${why}); reconnecting`),
  });
  const done = await client.get<DeploymentView>(`/api/v1/deployments/${id}`);
  if (out.json) printJson(out, done);
  else out.line(`deployment ${id} ${outcome(done)}`);
  return exitForDeployment(done.status);
}

export async function status(client: ApiClient, out: Output, rawId: string): Promise<number> {
  const d = await client.get<DeploymentView>(`/api/v1/deployments/${parseId(rawId, 'a deployment id')}`);
  if (out.json) printJson(out, d);
  else {
    const by = d.triggered_by ? ` by ${d.triggered_by.login}` : '';
    const rows = [
      ['deployment', `${d.id}`],
      ['status', outcome(d)],
      ...(d.message ? [['message', d.message]] : []),
      ...((d.required_approvals ?? 0) > 0 || d.approvals?.length ? [['approvals', approvalCount(d)]] : []),
      ...(d.approvals ?? []).map((a) => [
        a.decision === 'approve' ? 'approved by' : 'rejected by',
        a.comment ? `${a.user.login}: ${a.comment}` : a.user.login,
      ]),
      ['project', `${d.project.name} (${d.project.id})`],
      ['build', `${d.build.id}  ${d.build.ref}@${shortSha(d.build.sha)}`],
      ['environment', d.environment],
      ['trigger', d.trigger + by + (d.rollback ? ' (rollback)' : '')],
      ['runner', d.runner?.name ?? '-'],
      ['queued', when(d.queued_at)],
      ['started', when(d.started_at)],
      ['finished', when(d.finished_at)],
      ['log lines', `${d.last_log_n}`],
    ];
    table(rows).forEach((row) => out.line(row));
  }
  return exitForDeployment(d.status);
}

export async function logs(
  client: ApiClient,
  out: Output,
  rawId: string,
  options: { follow?: boolean; after?: string },
): Promise<number> {
  const id = parseId(rawId, 'a deployment id');
  let after = options.after === undefined ? 0 : Number(options.after);
  if (!Number.isInteger(after) || after < 0) {
    throw new CliError(EXIT.usage, `--after must be a line number, not "${options.after}"`);
  }
  if (options.follow) {
    const final = await followLog(client, id, {
      after,
      onLines: (lines) => lines.forEach(printLine(out)),
      onDrop: (why) => out.note(`connection lost (${why}); reconnecting`),
    });
    return exitForDeployment(final);
  }
  const all: LogLine[] = [];
  let page: LogPage;
  do {
    page = await client.get<LogPage>(`/api/v1/deployments/${id}/log`, { after, limit: LOG_PAGE });
    all.push(...page.lines);
    after = page.lines.at(-1)?.n ?? after;
  } while (page.lines.length > 0 && after < page.last_n);
  if (out.json) printJson(out, { ...page, lines: all });
  else all.forEach(printLine(out));
  return EXIT.ok;
}
