import type { FastifyRequest } from 'fastify';
import type { CiStatus } from '@polytene/protocol';
import type { AppContext } from '../context.js';
import type { Project } from '../db/schema.js';
import type { App } from '../http/types.js';
import type { BuildInput } from './build-input.js';

/** A payload that is not about a build: answered with the reason, nothing recorded. */
export interface Ignored {
  ignored: string;
}

/**
 * A CI's status names onto protocol CI_STATUSES: one table per source, in the source's own module, so
 * a CI's vocabulary is read in one place (and tested in intake/source.test.ts).
 */
export type CiStatusMap = Readonly<Record<string, CiStatus>>;

/** The CI status `name` stands for in `map`, or null when the source does not know it. */
export function ciStatusIn(map: CiStatusMap, name: string): CiStatus | null {
  return Object.hasOwn(map, name) ? map[name]! : null;
}

/**
 * One way builds arrive (architecture.md §7). A source's route authenticates the request, parses the
 * payload into a normalized build (BuildInput) or Ignored, and hands the build to the shared recording in
 * intake/service.ts (recordBuild, or recordIntake, which also answers), which finds the branch config,
 * records the build idempotently and decides the deployment. `Parsed` lets a source name a payload of
 * its own that is neither (GitLab's job events, stored as notes on a pipeline).
 */
export interface IntakeSource<Payload = unknown, Parsed = BuildInput | Ignored> {
  /** The source's name, as in the docs: legacy, gitlab, generic. */
  readonly name: string;
  /** Its CI status names onto CI_STATUSES. */
  readonly statuses: CiStatusMap;
  /** The project the request posts to, when the caller may: else a 404 (no such project) or a 401. */
  authenticate(ctx: AppContext, request: FastifyRequest): Promise<Project>;
  /** The payload (already made storable) as a build, or why it is ignored; a 422 names a wrong field. */
  parse(payload: Payload, request: FastifyRequest): Parsed;
  /** Registers the source's route at its URL (app.ts iterates intake/sources.ts). */
  routes(app: App): Promise<void>;
}

export function isIgnored(parsed: object): parsed is Ignored {
  return 'ignored' in parsed;
}
