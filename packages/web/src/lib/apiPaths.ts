/** Which API paths this server offers, read once from its OpenAPI document (features built by others may be absent). */
let paths: Promise<Set<string>> | null = null;

export function apiPaths(): Promise<Set<string>> {
  paths ??= fetch('/api/docs/json', { credentials: 'same-origin' })
    .then((r) => (r.ok ? (r.json() as Promise<{ paths?: Record<string, unknown> }>) : { paths: {} }))
    .then((doc) => new Set(Object.keys(doc.paths ?? {})))
    .catch(() => new Set<string>());
  return paths;
}

/** True when the OpenAPI document lists the path (written with `{param}` as OpenAPI does). */
export async function hasApi(path: string): Promise<boolean> {
  return (await apiPaths()).has(path);
}
