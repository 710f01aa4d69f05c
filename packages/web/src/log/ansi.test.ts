import { describe, expect, it } from 'vitest';
import { afterCarriageReturn, applySgr, parseAnsi, stripAnsi, xterm256 } from './ansi';

const ESC = '\x1b';

describe('parseAnsi', () => {
  it('returns a plain line as one unstyled segment', () => {
    expect(parseAnsi('hello world')).toEqual([{ text: 'hello world', style: null }]);
  });

  it('colours text between an SGR colour and a reset', () => {
    const segments = parseAnsi(`ok ${ESC}[32mpassed${ESC}[0m done`);
    expect(segments.map((s) => s.text)).toEqual(['ok ', 'passed', ' done']);
    expect(segments[0]?.style).toBeNull();
    expect(segments[1]?.style?.fg).toBe(2);
    expect(segments[2]?.style).toBeNull();
  });

  it('reads bold, bright colours and backgrounds in one sequence', () => {
    const [segment] = parseAnsi(`${ESC}[1;91;44mALERT`);
    expect(segment?.style).toMatchObject({ bold: true, fg: 9, bg: 4 });
  });

  it('reads 256-colour and true-colour sequences', () => {
    expect(parseAnsi(`${ESC}[38;5;208mx`)[0]?.style?.fg).toBe(208);
    expect(parseAnsi(`${ESC}[48;2;255;0;128mx`)[0]?.style?.bg).toBe('#ff0080');
  });

  it('drops cursor and erase sequences and OSC titles, keeping the text', () => {
    expect(
      parseAnsi(`${ESC}[2K${ESC}]0;title\x07progress${ESC}[1G`)
        .map((s) => s.text)
        .join(''),
    ).toBe('progress');
  });

  it('treats an empty SGR as a reset and 39/49 as default colours', () => {
    let style = applySgr(applySgr(parseAnsi(`${ESC}[31mx`)[0]!.style!, '44'), '39');
    expect(style.fg).toBeNull();
    expect(style.bg).toBe(4);
    style = applySgr(style, '');
    expect(style).toMatchObject({ fg: null, bg: null, bold: false });
  });

  it('merges neighbouring segments with the same style', () => {
    expect(parseAnsi(`${ESC}[31ma${ESC}[31mb`)).toHaveLength(1);
  });
});

describe('carriage returns', () => {
  it('shows only what a terminal would show last', () => {
    expect(afterCarriageReturn('10%\r50%\r100%')).toBe('100%');
    expect(afterCarriageReturn('windows line\r')).toBe('windows line');
  });

  it('strips escapes and carriage-return history for search', () => {
    expect(stripAnsi(`${ESC}[32m10%\r${ESC}[32mdone${ESC}[0m`)).toBe('done');
  });
});

describe('xterm256', () => {
  it('maps the colour cube and the grey ramp', () => {
    expect(xterm256(16)).toBe('#000000');
    expect(xterm256(196)).toBe('#ff0000');
    expect(xterm256(231)).toBe('#ffffff');
    expect(xterm256(232)).toBe('#080808');
  });
});
