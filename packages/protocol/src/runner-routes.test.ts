import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  RUNNER_ROUTES,
  runnerAnswerSchema,
  runnerPath,
  type RunnerAnswer,
  type RunnerPathParams,
  type RunnerRequestBody,
} from './runner-routes.js';
import { HelloResponse, Job, type JobUpdate, type JobUpdateResponse, type LogBatch } from './runner.js';

describe('the runner routes', () => {
  it('fills path parameters, encoded', () => {
    expect(runnerPath('hello')).toBe('/api/v1/runner/hello');
    expect(runnerPath('requestJob')).toBe('/api/v1/runner/jobs/request');
    expect(runnerPath('sendLog', { id: 7 })).toBe('/api/v1/runner/jobs/7/log');
    expect(runnerPath('updateJob', { id: 'a/b' })).toBe('/api/v1/runner/jobs/a%2Fb');
  });

  it('every path parameter has a params schema naming it, and routes without any have none', () => {
    for (const route of Object.values(RUNNER_ROUTES)) {
      const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      const params = 'params' in route ? Object.keys(route.params.properties) : [];
      expect(params).toEqual(names);
    }
  });

  it('answers the schema of a success status, and none for an error or an unknown status', () => {
    expect(runnerAnswerSchema('hello', 200)).toBe(HelloResponse);
    expect(runnerAnswerSchema('requestJob', 201)).toBe(Job);
    expect(runnerAnswerSchema('requestJob', 204)).toMatchObject({ type: 'null' });
    expect(runnerAnswerSchema('hello', 201)).toBeUndefined();
    expect(runnerAnswerSchema('updateJob', 409)).toBeUndefined();
  });

  it('types bodies, answers and parameters from the table', () => {
    expectTypeOf<RunnerRequestBody<'updateJob'>>().toEqualTypeOf<JobUpdate>();
    expectTypeOf<RunnerRequestBody<'sendLog'>>().toEqualTypeOf<LogBatch>();
    expectTypeOf<RunnerAnswer<'updateJob'>>().toEqualTypeOf<{ status: 200; body: JobUpdateResponse }>();
    expectTypeOf<RunnerAnswer<'requestJob'>>().toEqualTypeOf<
      { status: 201; body: Job } | { status: 204; body: null }
    >();
    expectTypeOf<RunnerPathParams<'sendLog'>>().toEqualTypeOf<{ id: string | number }>();
    expectTypeOf<keyof RunnerPathParams<'hello'>>().toEqualTypeOf<never>();
    expectTypeOf(RUNNER_ROUTES.updateJob.method).toEqualTypeOf<'PUT'>();
    expectTypeOf(RUNNER_ROUTES.sendLog.path).toEqualTypeOf<'/api/v1/runner/jobs/:id/log'>();
    // @ts-expect-error a route with a parameter needs it
    expect(() => runnerPath('sendLog')).toThrow('no value for :id');
  });
});
