import type { FastifyRequest } from 'fastify';
import { invalidValue, type AppError } from '../errors.js';

/**
 * PostgreSQL text and jsonb cannot hold NUL (U+0000): a value with one fails in the database with a 500.
 * Every request's params, query string and body are checked before validation (architecture.md §3):
 * the user API refuses a NUL with a 400 naming the field; routes taking third-party text (CI intake,
 * runner log lines) declare `config: { nulCharacters: 'replace' }` and get U+FFFD in its place, so a CI
 * never retries a delivery forever.
 */
export type NulCharacterPolicy = 'reject' | 'replace';

declare module 'fastify' {
  interface FastifyContextConfig {
    nulCharacters?: NulCharacterPolicy;
  }
}

const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';
const PROBLEM = 'must not contain a NUL character';
const FIELD_NAME_PROBLEM = 'has a field name with a NUL character';

type Container = Record<string, unknown> | unknown[];

/** Where a container sits, for naming a field only when one is refused. */
interface Place {
  value: Container;
  key: string;
  parent: Place | null;
}

function fieldOf(place: Place, key: string | null): string {
  // Fastify names the rest of a wildcard route's path `*`.
  if (key === '*' && place.parent === null && place.key === 'params') return 'the path';
  const keys: string[] = key === null ? [] : [key];
  for (let at: Place | null = place; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}

function refused(field: string, problem = PROBLEM): AppError {
  return invalidValue(field, problem);
}

/** Objects and arrays parsed from JSON or a query string; not a raw Buffer body (bytes, no strings). */
const isContainer = (value: unknown): value is Container =>
  typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);

/**
 * Checks every string and field name under `root` (iteratively: a deeply nested body cannot overflow
 * the stack). With 'replace' it swaps each NUL for U+FFFD in place; with 'reject' it throws a 400.
 * Returns the root, which is a new string when the root itself was a string that held a NUL.
 */
export function handleNulCharacters(root: unknown, policy: NulCharacterPolicy, part: string): unknown {
  if (typeof root === 'string') {
    if (!root.includes(NUL)) return root;
    if (policy === 'reject') throw refused(part);
    return root.replaceAll(NUL, REPLACEMENT);
  }
  if (!isContainer(root)) return root;
  const pending: Place[] = [{ value: root, key: part, parent: null }];
  for (let place = pending.pop(); place; place = pending.pop()) {
    const container = place.value;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const item: unknown = container[i];
        if (typeof item === 'string' && item.includes(NUL)) {
          if (policy === 'reject') throw refused(fieldOf(place, String(i)));
          container[i] = item.replaceAll(NUL, REPLACEMENT);
        } else if (isContainer(item)) pending.push({ value: item, key: String(i), parent: place });
      }
      continue;
    }
    for (const key of Object.keys(container)) {
      let name = key;
      if (key.includes(NUL)) {
        if (policy === 'reject') throw refused(fieldOf(place, null) || part, FIELD_NAME_PROBLEM);
        name = key.replaceAll(NUL, REPLACEMENT);
        container[name] = container[key];
        delete container[key];
      }
      const item = container[name];
      if (typeof item === 'string' && item.includes(NUL)) {
        if (policy === 'reject') throw refused(fieldOf(place, name));
        container[name] = item.replaceAll(NUL, REPLACEMENT);
      } else if (isContainer(item)) pending.push({ value: item, key: name, parent: place });
    }
  }
  return root;
}

/** The app-wide preValidation hook: params, then query string, then body. */
export async function nulCharacterHook(request: FastifyRequest): Promise<void> {
  const policy = request.routeOptions.config.nulCharacters ?? 'reject';
  request.params = handleNulCharacters(request.params, policy, 'params');
  request.query = handleNulCharacters(request.query, policy, 'query');
  request.body = handleNulCharacters(request.body, policy, 'body');
}
