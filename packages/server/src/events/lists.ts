import type { ListEvent, ListEventOf, RunnerChange } from '@polytene/protocol';
import type { Db } from '../db/database.js';
import type { Deployment } from '../db/schema.js';
import { publish } from './bus.js';

/** The bus topic of list events (GET /api/v1/events, architecture.md §6). */
export const LISTS_TOPIC = 'lists';

/** Who may see a list event: the viewers of its project, or those who see its runner. */
export type ListScope = { project_id: number } | { runner: { owner_id: number | null; shared: boolean } };

/** What travels on the bus: the event the client gets, and the scope the stream checks it against. */
export interface ListMessage {
  event: ListEvent;
  scope: ListScope;
}

export type ProjectListEvent = Exclude<ListEvent, { kind: 'runner' }>;

/** Publishes a list event about something in a project; inside a transaction it is delivered at commit. */
export async function publishProjectEvent(db: Db, event: ProjectListEvent): Promise<void> {
  const message: ListMessage = { event, scope: { project_id: event.project_id } };
  await publish(db, LISTS_TOPIC, { ...message });
}

/** The list event of a deployment as it is now (created, or after a change of status). */
export function deploymentListEvent(deployment: Deployment): ListEventOf<'deployment'> {
  return {
    kind: 'deployment',
    project_id: deployment.project_id,
    deployment_id: deployment.id,
    build_id: deployment.build_id,
    environment_id: deployment.environment_id,
    status: deployment.status,
    cancel_requested: deployment.cancel_requested_at !== null,
  };
}

/** A runner as its list events need it: who may see it. */
export interface RunnerScope {
  id: number;
  owner_id: number | null;
  shared: boolean;
}

export function runnerMessage(runner: RunnerScope, change: RunnerChange): ListMessage {
  return {
    event: { kind: 'runner', runner_id: runner.id, change },
    scope: { runner: { owner_id: runner.owner_id, shared: runner.shared } },
  };
}

/** Publishes that a runner changed (registered, paused, shared, removed, said hello). */
export async function publishRunnerEvent(db: Db, runner: RunnerScope, change: RunnerChange): Promise<void> {
  await publish(db, LISTS_TOPIC, { ...runnerMessage(runner, change) });
}
