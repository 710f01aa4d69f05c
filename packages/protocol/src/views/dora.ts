/** DORA metrics of a project, per environment, as the API shows them. */
import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';

export const DORA_WINDOWS = [7, 30, 90] as const;
export type DoraWindow = (typeof DORA_WINDOWS)[number];

const Seconds = (description: string) => Nullable(Type.Number({ minimum: 0, description }));

export const DoraEnvironment = Type.Object({
  environment: Type.String(),
  deployments: Type.Integer({ description: 'succeeded deployments finished in the window' }),
  failures: Type.Integer({ description: 'failed deployments finished in the window' }),
  deploymentsPerDay: Type.Number({ description: 'succeeded deployments divided by the days of the window' }),
  leadTime: Type.Object(
    {
      median: Seconds('median seconds from the build’s start to the deployment finishing'),
      p90: Seconds('90th percentile of the same, in seconds'),
    },
    {
      description:
        'For each succeeded deployment: its finished_at minus its build’s started_at (the build’s created_at ' +
        'when it has none), a proxy for the commit time, since builds carry no commit timestamp. Percentiles ' +
        'interpolate linearly between samples; null without samples.',
    },
  ),
  changeFailureRate: Nullable(
    Type.Number({
      minimum: 0,
      maximum: 1,
      description:
        'failed / (succeeded + failed) deployments in the window; canceled and skipped ones are left out',
    }),
  ),
  timeToRestore: Type.Object(
    {
      median: Seconds('median seconds from a failure to the next succeeded deployment in the environment'),
      unrestored: Type.Integer({ description: 'failures with no succeeded deployment after them yet' }),
    },
    { description: 'Failures in the window; one not yet followed by a success counts in `unrestored` only.' },
  ),
  series: Type.Array(
    Type.Object({
      date: Type.String({ format: 'date' }),
      deployments: Type.Integer({ description: 'succeeded deployments finished that UTC day' }),
      failures: Type.Integer({ description: 'failed deployments finished that UTC day' }),
    }),
  ),
});
export type DoraEnvironment = Static<typeof DoraEnvironment>;

/** The window is the last `days` UTC days, today included, by the deployments' finished_at. */
export const DoraView = Type.Object({
  days: Type.Integer(),
  from: Type.String({ format: 'date', description: 'the first UTC day of the window' }),
  environments: Type.Array(DoraEnvironment),
});
export type DoraView = Static<typeof DoraView>;
