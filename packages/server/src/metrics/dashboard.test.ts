import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test-support/server.js';

const DASHBOARD = new URL('../../../../deploy/grafana/polytene-dashboard.json', import.meta.url);

interface Panel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string; datasource?: { uid?: string } }[];
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

/** Every series name /metrics can show: each `# TYPE` name, and a histogram's _bucket, _sum and _count. */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = match;
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

describe('deploy/grafana/polytene-dashboard.json', () => {
  it('is a Grafana dashboard on the ${DS_PROMETHEUS} input whose every expression names exported metrics', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      __inputs: { name: string; pluginId: string }[];
      panels: Panel[];
      title: string;
      uid: string;
      schemaVersion: number;
    };
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' }),
    ]);
    expect(dashboard).toMatchObject({
      title: 'Polytene',
      uid: 'polytene',
      schemaVersion: expect.any(Number),
    });

    const res = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const exported = exportedNames(res.body);
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(10);
    const used = new Set<string>();
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, panel.title).toBe('${DS_PROMETHEUS}');
        const names = [...target.expr.matchAll(/\b(?:polytene|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0]);
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) {
          expect(exported.has(name), `${panel.title} uses ${name}, which /metrics does not export`).toBe(
            true,
          );
          used.add(name.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    // Every Polytene metric has a panel.
    const ours = [...exported].filter((n) => n.startsWith('polytene_') && !/_(bucket|sum|count)$/.test(n));
    expect(ours.filter((n) => !used.has(n))).toEqual([]);
  });
});
