/**
 * In JSON text, a NUL character or an unpaired UTF-16 surrogate is always written as a `\uXXXX` escape
 * (after an even number of backslashes); well-formed pairs are written as they are.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

/**
 * A CI payload as PostgreSQL can store it: text and jsonb hold neither NUL nor unpaired surrogates, so
 * such characters (in values and in keys, at any depth) become U+FFFD rather than refusing the build, which
 * a CI would retry forever (architecture.md §7).
 */
export function storable<T>(payload: T): T {
  const text = JSON.stringify(payload);
  if (text === undefined) return payload;
  const cleaned = text.replace(UNSTORABLE_ESCAPE, '$1\\ufffd');
  return cleaned === text ? payload : (JSON.parse(cleaned) as T);
}
