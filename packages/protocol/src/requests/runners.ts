/** Bodies of the runners' administration (not the runner protocol, runner-routes.ts). */
import { Type, type Static } from 'typebox';
import { RUNNER_LIMITS } from '../limits.js';

const RunnerName = Type.String({ minLength: 1, maxLength: RUNNER_LIMITS.name.maxLength, pattern: '\\S' });

export const CreateRunnerBody = Type.Object(
  { name: RunnerName, shared: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type CreateRunnerBody = Static<typeof CreateRunnerBody>;

export const UpdateRunnerBody = Type.Object(
  {
    name: Type.Optional(RunnerName),
    active: Type.Optional(Type.Boolean({ description: 'false pauses the runner' })),
    shared: Type.Optional(Type.Boolean({ description: 'administrators only' })),
  },
  { additionalProperties: false },
);
export type UpdateRunnerBody = Static<typeof UpdateRunnerBody>;
