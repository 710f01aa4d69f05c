import { describe, expect, expectTypeOf, it } from 'vitest';
import type { LogSectionView } from './views/log-sections.js';
import {
  MARKER_LINE_MAX,
  SECTION_HEADER_MAX,
  SECTION_NAME_MAX,
  SectionTracker,
  parseLogMarker,
  plainText,
  type LogSectionData,
} from './log-sections.js';

const ESC = '\u001b';
const K = `${ESC}[0K`;
const start = (ts: number, name: string, header = '', options = '') =>
  `${K}section_start:${ts}:${name}${options}\r${K}${header}`;
const end = (ts: number, name: string) => `${K}section_end:${ts}:${name}\r${K}`;

describe('parseLogMarker', () => {
  it('reads GitLab section markers with their escape codes', () => {
    expect(parseLogMarker(start(1560896352, 'my_first_section', 'Header of the 1st section'))).toEqual({
      kind: 'start',
      name: 'my_first_section',
      ts: 1560896352,
      header: 'Header of the 1st section',
      collapsed: false,
    });
    expect(parseLogMarker(end(1560896353, 'my_first_section'))).toEqual({
      kind: 'end',
      name: 'my_first_section',
      ts: 1560896353,
    });
  });

  it('reads markers without the escape codes, or without the carriage return', () => {
    expect(parseLogMarker('section_start:10:build\rBuilding')).toMatchObject({
      name: 'build',
      header: 'Building',
    });
    expect(parseLogMarker('section_start:10:build')).toMatchObject({ name: 'build', header: 'build' });
    expect(parseLogMarker(`section_start:10:build${K}Building`)).toMatchObject({ header: 'Building' });
    expect(parseLogMarker('section_end:11:build')).toEqual({ kind: 'end', name: 'build', ts: 11 });
    expect(parseLogMarker(`section_end:11:build${K}`)).toEqual({ kind: 'end', name: 'build', ts: 11 });
  });

  it('takes a trailing carriage return (CRLF output) as part of the line end', () => {
    expect(parseLogMarker(`${end(11, 'build')}\r`)).toEqual({ kind: 'end', name: 'build', ts: 11 });
    expect(parseLogMarker(`${start(10, 'build', 'Build')}\r`)).toMatchObject({ header: 'Build' });
    expect(parseLogMarker('::polytene-phase::migrate\r')).toEqual({ kind: 'phase', name: 'migrate' });
  });

  it('reads the collapsed option and ignores others', () => {
    expect(parseLogMarker(start(1, 'a', 'A', '[collapsed=true]'))).toMatchObject({ collapsed: true });
    expect(parseLogMarker(start(1, 'a', 'A', '[collapsed=false]'))).toMatchObject({ collapsed: false });
    expect(parseLogMarker(start(1, 'a', 'A', '[foo=bar, collapsed=true]'))).toMatchObject({
      collapsed: true,
    });
    expect(parseLogMarker(start(1, 'a', 'A', '[]'))).toMatchObject({ name: 'a', collapsed: false });
    expect(parseLogMarker(`${K}section_start:1:a[collapsed=true\r${K}A`)).toBeNull();
  });

  it('gives the header as plain text, cut to its limit', () => {
    expect(parseLogMarker(start(1, 'a', `${ESC}[1;32mGreen header${ESC}[0m  `))).toMatchObject({
      header: 'Green header',
    });
    const long = parseLogMarker(start(1, 'a', 'h'.repeat(SECTION_HEADER_MAX + 50)));
    expect(long).toMatchObject({ header: 'h'.repeat(SECTION_HEADER_MAX) });
  });

  it('refuses names with other characters, empty or too long', () => {
    expect(parseLogMarker(start(1, 'bad name', 'X'))).toBeNull();
    expect(parseLogMarker(start(1, 'bad/name', 'X'))).toBeNull();
    expect(parseLogMarker(start(1, '', 'X'))).toBeNull();
    expect(parseLogMarker(start(1, 'n'.repeat(SECTION_NAME_MAX + 1), 'X'))).toBeNull();
    expect(parseLogMarker(start(1, 'n'.repeat(SECTION_NAME_MAX), 'X'))).not.toBeNull();
    expect(parseLogMarker(start(1, 'a-b_c.d9', 'X'))).toMatchObject({ name: 'a-b_c.d9' });
  });

  it('refuses timestamps that are not digits or too long', () => {
    expect(parseLogMarker(`${K}section_start::a\r${K}X`)).toBeNull();
    expect(parseLogMarker(`${K}section_start:-5:a\r${K}X`)).toBeNull();
    expect(parseLogMarker(`${K}section_start:12.5:a\r${K}X`)).toBeNull();
    expect(parseLogMarker(start(1234567890123, 'a', 'X'))).toBeNull();
    expect(parseLogMarker(start(999999999999, 'a', 'X'))).toMatchObject({ ts: 999999999999 });
  });

  it('takes markers only at the start of the line (not an xtrace echo of one)', () => {
    expect(parseLogMarker(`+ echo -e '\\e[0Ksection_start:1:a\\r\\e[0KA'`)).toBeNull();
    expect(parseLogMarker(`text ${start(1, 'a', 'A')}`)).toBeNull();
    expect(parseLogMarker(`+ echo '::polytene-phase::deploy'`)).toBeNull();
    expect(parseLogMarker('section_starting:1:a')).toBeNull();
    expect(parseLogMarker('section_start:1:a trailing words')).toBeNull();
  });

  it('reads phase lines with names of letters, digits, spaces, _ . -', () => {
    expect(parseLogMarker('::polytene-phase::migrate database')).toEqual({
      kind: 'phase',
      name: 'migrate database',
    });
    expect(parseLogMarker('::polytene-phase::  v1.2_final-step  ')).toEqual({
      kind: 'phase',
      name: 'v1.2_final-step',
    });
    expect(parseLogMarker('::polytene-phase::')).toBeNull();
    expect(parseLogMarker('::polytene-phase::   ')).toBeNull();
    expect(parseLogMarker('::polytene-phase::rm -rf /')).toBeNull();
    expect(parseLogMarker(`::polytene-phase::${'p'.repeat(65)}`)).toBeNull();
    expect(parseLogMarker(`::polytene-phase::${'p'.repeat(64)}`)).not.toBeNull();
  });

  it('never takes a line longer than the marker limit', () => {
    expect(parseLogMarker(start(1, 'a', 'x'.repeat(MARKER_LINE_MAX)))).toBeNull();
    expect(parseLogMarker('plain output')).toBeNull();
    expect(parseLogMarker('')).toBeNull();
  });
});

describe('plainText', () => {
  it('removes escape codes', () => {
    expect(plainText(`${ESC}[31mred${ESC}[0m ${K}x`)).toBe('red x');
    expect(plainText('no codes')).toBe('no codes');
  });
});

describe('SectionTracker', () => {
  const feedAll = (tracker: SectionTracker, lines: string[], first = 1) =>
    lines.forEach((text, i) => tracker.feed(first + i, text));

  it('follows nested sections with their depth and durations', () => {
    const tracker = new SectionTracker();
    feedAll(tracker, [
      start(100, 'outer', 'Outer'),
      'line',
      start(105, 'inner', 'Inner', '[collapsed=true]'),
      'line',
      end(112, 'inner'),
      end(130, 'outer'),
    ]);
    expect(tracker.sections).toEqual([
      {
        name: 'outer',
        header: 'Outer',
        start_line: 1,
        end_line: 6,
        started_at: new Date(100_000).toISOString(),
        ended_at: new Date(130_000).toISOString(),
        duration_seconds: 30,
        depth: 0,
        collapsed: false,
      },
      {
        name: 'inner',
        header: 'Inner',
        start_line: 3,
        end_line: 5,
        started_at: new Date(105_000).toISOString(),
        ended_at: new Date(112_000).toISOString(),
        duration_seconds: 7,
        depth: 1,
        collapsed: true,
      },
    ]);
    expect(tracker.open).toEqual([]);
  });

  it('keeps an unterminated section open', () => {
    const tracker = new SectionTracker();
    feedAll(tracker, [start(1, 'a', 'A'), 'output']);
    expect(tracker.open).toHaveLength(1);
    expect(tracker.sections[0]).toMatchObject({ end_line: null, ended_at: null, duration_seconds: null });
  });

  it('ignores an end without a start', () => {
    const tracker = new SectionTracker();
    feedAll(tracker, [end(5, 'never'), start(6, 'a'), end(7, 'other')]);
    expect(tracker.sections).toHaveLength(1);
    expect(tracker.open).toHaveLength(1);
  });

  it('ends sections still open inside one that ends', () => {
    const tracker = new SectionTracker();
    feedAll(tracker, [start(1, 'a'), start(2, 'b'), end(9, 'a')]);
    expect(tracker.sections.map((s) => [s.name, s.end_line, s.duration_seconds])).toEqual([
      ['a', 3, 8],
      ['b', 3, 7],
    ]);
  });

  it('ends the innermost section of a repeated name', () => {
    const tracker = new SectionTracker();
    feedAll(tracker, [start(1, 'a'), start(2, 'a'), end(3, 'a')]);
    expect(tracker.sections.map((s) => s.end_line)).toEqual([null, 3]);
  });

  it('never gives a negative duration for a clock going back', () => {
    const tracker = new SectionTracker();
    feedAll(tracker, [start(50, 'a'), end(40, 'a')]);
    expect(tracker.sections[0]!.duration_seconds).toBe(0);
  });

  it('continues from the open sections of an earlier batch and lists only what changed', () => {
    const first = new SectionTracker();
    feedAll(first, [start(1, 'done'), end(2, 'done'), start(3, 'outer', 'Outer'), start(4, 'inner')]);
    const stored: LogSectionData[] = first.sections;
    const next = new SectionTracker(stored);
    feedAll(next, ['x', end(10, 'inner'), start(11, 'third')], 5);
    expect(next.changed.map((s) => [s.name, s.start_line, s.end_line, s.depth])).toEqual([
      ['inner', 4, 6, 1],
      ['third', 7, null, 1],
    ]);
    expect(next.open.map((s) => s.name)).toEqual(['outer', 'third']);
  });

  it('takes the latest phase line or section header as the phase', () => {
    const tracker = new SectionTracker();
    expect(tracker.phase).toBeNull();
    tracker.feed(1, '::polytene-phase::build');
    expect(tracker.phase).toBe('build');
    tracker.feed(2, start(1, 'migrate', 'Migrate the database'));
    expect(tracker.phase).toBe('Migrate the database');
    tracker.feed(3, end(2, 'migrate'));
    expect(tracker.phase).toBe('Migrate the database');
    tracker.feed(4, '::polytene-phase::restart');
    expect(tracker.phase).toBe('restart');
    tracker.feed(5, 'ordinary line');
    expect(tracker.phase).toBe('restart');
  });
});

describe('the section shape', () => {
  it('is the one the API answers (views/log-sections.ts)', () => {
    expectTypeOf<LogSectionData>().toEqualTypeOf<LogSectionView>();
  });
});
