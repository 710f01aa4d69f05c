import type { FieldProblem, FreezeWindowCreateBody } from '@polytene/protocol';
import { problem } from '../http/problems.js';

/** Whether `name` is an IANA time zone this runtime knows (Europe/Warsaw, UTC). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const RECURRING_FIELDS = ['starts_weekday', 'starts_time', 'ends_weekday', 'ends_time', 'time_zone'] as const;
const ONCE_FIELDS = ['starts_at', 'ends_at'] as const;

/**
 * Every problem of a new window the schema cannot judge: the fields its kind needs (and none of the
 * other kind's), a known time zone, an end after the start.
 */
export function freezeWindowProblems(body: FreezeWindowCreateBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const [needed, other] =
    body.kind === 'recurring' ? [RECURRING_FIELDS, ONCE_FIELDS] : [ONCE_FIELDS, RECURRING_FIELDS];
  for (const field of needed)
    if (body[field] === undefined)
      problems.push(problem(field, 'required', `is needed for a ${body.kind} window`));
  for (const field of other)
    if (body[field] !== undefined)
      problems.push(problem(field, 'not_allowed', `is not used by a ${body.kind} window`));
  if (body.kind === 'recurring') {
    if (body.time_zone !== undefined && !isTimeZone(body.time_zone))
      problems.push(
        problem('time_zone', 'invalid', 'must be an IANA time zone name such as Europe/Warsaw or UTC'),
      );
    if (
      body.starts_weekday !== undefined &&
      body.starts_weekday === body.ends_weekday &&
      body.starts_time === body.ends_time
    )
      problems.push(problem('ends_time', 'invalid', 'must differ from the start'));
  } else if (body.starts_at !== undefined && body.ends_at !== undefined) {
    if (Date.parse(body.ends_at) <= Date.parse(body.starts_at))
      problems.push(problem('ends_at', 'invalid', 'must be after the start'));
  }
  return problems;
}
