/**
 * The runner protocol's routes in one table: method, path, who may call, and the schemas of the body and
 * of every answer. The server registers each route from its entry, the runner's client and the test
 * runners send from it, and a server test checks that the two cannot drift apart.
 */
import { Type, type Static, type TSchema } from 'typebox';
import {
  ErrorBody,
  HelloRequest,
  HelloResponse,
  Job,
  JobRequest,
  JobUpdate,
  JobUpdateResponse,
  LogBatch,
  LogBatchResponse,
  RUNNER_API_PREFIX,
} from './runner.js';

/** `:id` of the per-job routes: the deployment id. */
export const JobParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
export type JobParams = Static<typeof JobParams>;

export interface RunnerRoute {
  method: 'POST' | 'PUT';
  /** Fastify-style path: `:name` is a parameter, filled by runnerPath(). */
  path: string;
  /** `runner`: the runner token `prt_...`; `job`: the job token `pjt_...` handed out with the job. */
  auth: 'runner' | 'job';
  params?: TSchema;
  body: TSchema;
  /** Every status the server may answer, with its body (the 4xx ones are ErrorBody). */
  response: Readonly<Record<number, TSchema>>;
}

/** Answers every runner route may give: a bad request, a bad token, a paused runner or a wrong job. */
const refusals = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } as const;

export const RUNNER_ROUTES = {
  hello: {
    method: 'POST',
    path: `${RUNNER_API_PREFIX}/hello`,
    auth: 'runner',
    body: HelloRequest,
    response: { 200: HelloResponse, 422: ErrorBody, ...refusals },
  },
  /** Long poll: 201 with a job, or 204 when none came within the wait. */
  requestJob: {
    method: 'POST',
    path: `${RUNNER_API_PREFIX}/jobs/request`,
    auth: 'runner',
    body: JobRequest,
    response: { 201: Job, 204: Type.Null({ description: 'no job within the wait' }), ...refusals },
  },
  sendLog: {
    method: 'POST',
    path: `${RUNNER_API_PREFIX}/jobs/:id/log`,
    auth: 'job',
    params: JobParams,
    body: LogBatch,
    response: { 200: LogBatchResponse, 409: ErrorBody, 413: ErrorBody, ...refusals },
  },
  /** `running` is the heartbeat; a final status ends the job. */
  updateJob: {
    method: 'PUT',
    path: `${RUNNER_API_PREFIX}/jobs/:id`,
    auth: 'job',
    params: JobParams,
    body: JobUpdate,
    response: { 200: JobUpdateResponse, 409: ErrorBody, 422: ErrorBody, ...refusals },
  },
} as const satisfies Record<string, RunnerRoute>;

export type RunnerRouteName = keyof typeof RUNNER_ROUTES;
type RouteOf<N extends RunnerRouteName> = (typeof RUNNER_ROUTES)[N];

/** The parameter names of a path: `/jobs/:id/log` → `'id'`. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<Rest>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export type RunnerPathParams<N extends RunnerRouteName> = {
  [K in ParamNames<RouteOf<N>['path']>]: string | number;
};

/** What the caller sends to route `N`. */
export type RunnerRequestBody<N extends RunnerRouteName> = Static<RouteOf<N>['body']>;

/** The statuses route `N` answers with success (2xx). */
export type RunnerSuccessStatus<N extends RunnerRouteName> = Extract<
  keyof RouteOf<N>['response'],
  200 | 201 | 202 | 204
>;

/** A successful answer of route `N`: its status and its body, as one union so one narrows the other. */
export type RunnerAnswer<N extends RunnerRouteName> = {
  [S in RunnerSuccessStatus<N>]: {
    status: S;
    body: Static<Extract<RouteOf<N>['response'][S], TSchema>>;
  };
}[RunnerSuccessStatus<N>];

type PathArgs<N extends RunnerRouteName> = [keyof RunnerPathParams<N>] extends [never]
  ? []
  : [params: RunnerPathParams<N>];

/** The path of route `N` with its parameters filled in: `runnerPath('sendLog', { id: 7 })`. */
export function runnerPath<N extends RunnerRouteName>(name: N, ...[params]: PathArgs<N>): string {
  return fillPath(RUNNER_ROUTES[name].path, params ?? {});
}

/** `path` with each `:name` replaced by its value, URI-encoded (runnerPath, untyped). */
export function fillPath(path: string, params: Readonly<Record<string, unknown>>): string {
  return path.replace(/:([A-Za-z_]\w*)/g, (_match, key: string) => {
    const value = params[key];
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`no value for :${key} in ${path}`);
    }
    return encodeURIComponent(String(value));
  });
}

/** The success status of a route with one and its schema, or undefined for a status the route lacks. */
export function runnerAnswerSchema(name: RunnerRouteName, status: number): TSchema | undefined {
  if (status < 200 || status > 299) return undefined;
  return (RUNNER_ROUTES[name].response as Readonly<Record<number, TSchema>>)[status];
}
