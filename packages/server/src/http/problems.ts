import type { FieldProblem, ValidationCode } from '@polytene/protocol';

/** One error of ajv (allErrors: every problem of a request at once). */
export interface AjvItem {
  instancePath?: string;
  schemaPath?: string;
  message?: string;
  params?: Record<string, unknown>;
  keyword?: string;
}

/** Patterns that only say "not only spaces": a string matching neither is blank. */
const NOT_BLANK_PATTERNS = new Set(['\\S', '^$|\\S']);

const TYPE_CODES: Record<string, { code: ValidationCode; words: string }> = {
  integer: { code: 'not_integer', words: 'must be a whole number' },
  number: { code: 'not_number', words: 'must be a number' },
  string: { code: 'not_string', words: 'must be text' },
  boolean: { code: 'not_boolean', words: 'must be true or false' },
  array: { code: 'wrong_type', words: 'must be a list' },
  object: { code: 'wrong_type', words: 'must be an object' },
  null: { code: 'wrong_type', words: 'must be null' },
};

/** `variables.0.key` for `/variables/0/key`, with the property ajv names for required/unknown fields. */
function pathOf(item: AjvItem): string {
  const base = (item.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra =
    (item.params?.additionalProperty as string | undefined) ??
    (item.params?.missingProperty as string | undefined);
  return [base, extra].filter(Boolean).join('.');
}

/** The words for a field in a sentence: `deployment_script` → `deployment script`. */
export function labelOf(field: string): string {
  return field.replace(/_/g, ' ');
}

/** A problem in the shape the API answers: field, code, params and an English sentence. */
export function problem(
  field: string,
  code: ValidationCode,
  words: string,
  params?: Record<string, string | number>,
  label = labelOf(field),
): FieldProblem {
  return params
    ? { field, code, params, message: `${label} ${words}` }
    : { field, code, message: `${label} ${words}` };
}

function limitOf(item: AjvItem): number {
  return Number(item.params?.limit);
}

/** A lower bound of 1 reads as "must not be empty"; a larger one names the limit. */
function atLeast(
  field: string,
  limit: number,
  label: string,
  code: 'too_short' | 'too_few',
  words: string,
): FieldProblem {
  return limit <= 1
    ? problem(field, 'required', 'must not be empty', undefined, label)
    : problem(field, code, words, { limit }, label);
}

function describe(item: AjvItem, field: string, label: string): FieldProblem {
  const limit = limitOf(item);
  switch (item.keyword) {
    case 'required':
      return problem(field, 'required', 'is required', undefined, label);
    case 'additionalProperties':
      return problem(field, 'unknown_field', 'is not a known field', undefined, label);
    case 'minLength':
      return atLeast(field, limit, label, 'too_short', `must be at least ${limit} characters`);
    case 'maxLength':
      return problem(field, 'too_long', `must be at most ${limit} characters`, { limit }, label);
    case 'pattern':
      return NOT_BLANK_PATTERNS.has(String(item.params?.pattern))
        ? problem(field, 'blank', 'must not be blank', undefined, label)
        : problem(field, 'invalid_format', 'has the wrong form', undefined, label);
    case 'type': {
      const type = String(item.params?.type).split(',')[0] ?? '';
      const known = TYPE_CODES[type] ?? { code: 'wrong_type' as const, words: `must be of type ${type}` };
      return problem(
        field,
        known.code,
        known.words,
        known.code === 'wrong_type' ? { type } : undefined,
        label,
      );
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return problem(field, 'too_small', `must be at least ${limit}`, { limit }, label);
    case 'maximum':
    case 'exclusiveMaximum':
      return problem(field, 'too_large', `must be at most ${limit}`, { limit }, label);
    case 'minItems':
      return atLeast(field, limit, label, 'too_few', `must have at least ${limit} entries`);
    case 'maxItems':
      return problem(field, 'too_many', `must have at most ${limit} entries`, { limit }, label);
    case 'format': {
      const format = String(item.params?.format);
      return format === 'email'
        ? problem(field, 'not_email', 'must be an email address', undefined, label)
        : problem(field, 'invalid_format', `must be a valid ${format}`, { format }, label);
    }
    case 'enum':
    case 'const': {
      const values = (item.params?.allowedValues as unknown[] | undefined) ?? [item.params?.allowedValue];
      const allowed = values.map(String).join(', ');
      return problem(field, 'not_allowed', `must be one of: ${allowed}`, { allowed }, label);
    }
    default:
      return problem(field, 'invalid', 'is invalid', undefined, label);
  }
}

/**
 * Folds each `anyOf` with the errors of its branches into one error: the limit a value broke when one
 * branch got that far (a string too long for `string | null`), the list of literals of a union of
 * literals, or else the type of the first branch (`integer | null` → a whole number).
 */
function foldUnions(items: AjvItem[]): AjvItem[] {
  const unions = items.filter((i) => i.keyword === 'anyOf' || i.keyword === 'oneOf');
  let rest = items.filter((i) => !unions.includes(i));
  const folded: AjvItem[] = [];
  for (const union of unions) {
    const prefix = `${union.schemaPath ?? ''}/`;
    const branches = rest.filter((i) => (i.schemaPath ?? '').startsWith(prefix));
    rest = rest.filter((i) => !branches.includes(i));
    const deeper = branches.filter((i) => i.keyword !== 'type' && i.keyword !== 'const');
    const consts = branches.filter((i) => i.keyword === 'const');
    if (deeper.length) folded.push(...deeper);
    else if (consts.length)
      folded.push({
        ...union,
        keyword: 'enum',
        params: { allowedValues: consts.map((c) => c.params?.allowedValue) },
      });
    else folded.push(branches[0] ?? union);
  }
  // Keep ajv's order (the order of the schema), with each folded union where it stood.
  const order = (i: AjvItem) => items.findIndex((o) => o.instancePath === i.instancePath);
  return [...rest, ...folded].sort((a, b) => order(a) - order(b));
}

/**
 * Every problem ajv found, in words: `where` names the part of the request, `labels` the words for a
 * field when they differ from its name (`id` of `/projects/:id` is the "project id").
 */
export function problemsOf(
  items: AjvItem[],
  where: string | undefined,
  labels: Record<string, string> = {},
): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const item of foldUnions(items)) {
    const field = pathOf(item) || where || 'body';
    const found = describe(item, field, labels[field] ?? labelOf(field));
    const key = `${found.field}\u0000${found.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(found);
  }
  return problems;
}

/** The fields of a body as sent that are strings (for checks run on a body that failed its schema). */
export function stringFields<K extends string>(
  body: unknown,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const picked: Partial<Record<K, string>> = {};
  if (typeof body !== 'object' || body === null) return picked;
  for (const key of keys) {
    const value = (body as Record<string, unknown>)[key];
    if (typeof value === 'string') picked[key] = value;
  }
  return picked;
}

/** The variables of a body as sent when every one has a string key (else none are checked beyond the schema). */
export function variableKeysOf(body: unknown): { key: string }[] | undefined {
  const variables =
    typeof body === 'object' && body !== null ? (body as { variables?: unknown }).variables : null;
  if (!Array.isArray(variables)) return undefined;
  const keys = variables.map((v: unknown) =>
    typeof v === 'object' && v !== null ? (v as { key?: unknown }).key : undefined,
  );
  return keys.every((k) => typeof k === 'string') ? keys.map((key) => ({ key: key as string })) : undefined;
}

/**
 * The words for the parameters of a route: the segment before `:id` names what the id is of
 * (`/api/v1/projects/:id` → "project id"); `:branch_id` reads as "branch id".
 */
export function paramLabels(url: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  const segments = (url ?? '').split('/');
  segments.forEach((segment, i) => {
    if (!segment.startsWith(':')) return;
    const name = segment.slice(1);
    const before = segments[i - 1] ?? '';
    if (name === 'id' && before && !before.startsWith(':'))
      labels[name] = `${before.replace(/-/g, ' ').replace(/s$/, '')} id`;
    else labels[name] = labelOf(name);
  });
  return labels;
}
