import { targetProblems, type EnvironmentUpdateBody, type FieldProblem } from '@polytene/protocol';
import { problem } from '../http/problems.js';
import { webUrlProblem } from '../http/web-url.js';
import { environmentProblem } from '../branches/validation.js';
import { variableProblems } from '../branches/variables.js';

/** Every problem of an environment's fields the schema cannot judge, so one 400 names them all. */
export function environmentFieldProblems(fields: EnvironmentUpdateBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const nameWords = fields.name === undefined ? null : environmentProblem(fields.name);
  if (nameWords) problems.push(problem('name', 'environment_name', nameWords));
  const urlWords = fields.url ? webUrlProblem(fields.url) : null;
  if (urlWords) problems.push(problem('url', 'invalid_format', urlWords));
  problems.push(...variableProblems(fields.variables));
  if (fields.targets) problems.push(...targetProblems(fields.targets));
  return problems;
}
