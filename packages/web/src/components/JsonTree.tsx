/** JSON pretty-printed with every object and array foldable; nested ones start folded below `openDepth`. */
import type { ReactNode } from 'react';

function scalar(value: unknown): ReactNode {
  if (value === null) return <span className="json-null">null</span>;
  if (typeof value === 'string') return <span className="json-string">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="json-bool">{String(value)}</span>;
  return <span>{JSON.stringify(value) ?? 'undefined'}</span>;
}

function Node({
  name,
  value,
  depth,
  openDepth,
  last,
}: {
  name: string | null;
  value: unknown;
  depth: number;
  openDepth: number;
  last: boolean;
}) {
  const key = name === null ? null : <span className="json-key">{JSON.stringify(name)}: </span>;
  const comma = last ? '' : ',';
  if (value === null || typeof value !== 'object')
    return (
      <div className="json-line">
        {key}
        {scalar(value)}
        {comma}
      </div>
    );
  const isArray = Array.isArray(value);
  const entries: [string, unknown][] = isArray
    ? (value as unknown[]).map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0)
    return (
      <div className="json-line">
        {key}
        {open}
        {close}
        {comma}
      </div>
    );
  return (
    <details className="json-node" open={depth < openDepth}>
      <summary>
        {key}
        {open}
        <span className="json-fold">
          {' '}
          … {entries.length} {isArray ? 'items' : 'keys'} {close}
          {comma}
        </span>
      </summary>
      <div className="json-children">
        {entries.map(([k, v], i) => (
          <Node
            key={k}
            name={isArray ? null : k}
            value={v}
            depth={depth + 1}
            openDepth={openDepth}
            last={i === entries.length - 1}
          />
        ))}
      </div>
      <div className="json-line">
        {close}
        {comma}
      </div>
    </details>
  );
}

export function JsonTree({ value, openDepth = 1 }: { value: unknown; openDepth?: number }) {
  return (
    <div className="json-tree mono">
      <Node name={null} value={value} depth={0} openDepth={openDepth} last />
    </div>
  );
}
