/**
 * A small ANSI SGR parser for log lines. Each line is parsed on its own (lines are rendered out of order by
 * the virtual list), colours and weights become segments, every other escape sequence is dropped, and a
 * carriage return keeps only what a terminal would show last.
 */
export interface AnsiStyle {
  /** 0–15: a palette colour (themed by CSS); 16–255: xterm 256 colour; a string: `#rrggbb`. */
  fg: number | string | null;
  bg: number | string | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle | null;
}

const PLAIN: AnsiStyle = {
  fg: null,
  bg: null,
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
};

// CSI (ESC [ params final), OSC (ESC ] ... BEL or ESC \), and two-character escapes.
// eslint-disable-next-line no-control-regex -- matching control characters is the point of this parser
const ESCAPE = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** What a terminal shows of a line that contains carriage returns: the text after the last one. */
export function afterCarriageReturn(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const at = trimmed.lastIndexOf('\r');
  return at === -1 ? trimmed : trimmed.slice(at + 1);
}

export function hasAnsi(line: string): boolean {
  return line.includes('\x1b');
}

/** Text without any escape sequence (for search and for the copy of a line). */
export function stripAnsi(line: string): string {
  return afterCarriageReturn(line).replace(ESCAPE, '');
}

function isPlain(style: AnsiStyle): boolean {
  return (
    style.fg === null &&
    style.bg === null &&
    !style.bold &&
    !style.dim &&
    !style.italic &&
    !style.underline &&
    !style.inverse
  );
}

function hex(n: number): string {
  return Math.max(0, Math.min(255, n)).toString(16).padStart(2, '0');
}

/** Reads an extended colour (`38;5;n` or `38;2;r;g;b`) starting at codes[i]; returns it and how many codes it used. */
function extendedColour(codes: number[], i: number): [number | string | null, number] {
  const kind = codes[i + 1];
  if (kind === 5) {
    const n = codes[i + 2];
    return [n === undefined || n > 255 ? null : n, 2];
  }
  if (kind === 2) {
    const [r, g, b] = [codes[i + 2] ?? 0, codes[i + 3] ?? 0, codes[i + 4] ?? 0];
    return [`#${hex(r)}${hex(g)}${hex(b)}`, 4];
  }
  return [null, 0];
}

/** Applies one SGR parameter list to a style and returns the new style. */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let next = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] ?? 0;
    if (code === 0) next = { ...PLAIN };
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 22) next = { ...next, bold: false, dim: false };
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code === 27) next.inverse = false;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code === 39) next.fg = null;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 49) next.bg = null;
    else if (code === 38 || code === 48) {
      const [colour, used] = extendedColour(codes, i);
      if (code === 38) next.fg = colour;
      else next.bg = colour;
      i += used;
    }
  }
  return next;
}

/** Splits a line into styled segments. Lines without escapes come back as one plain segment. */
export function parseAnsi(line: string): AnsiSegment[] {
  const visible = afterCarriageReturn(line);
  if (!hasAnsi(visible)) return [{ text: visible, style: null }];
  const segments: AnsiSegment[] = [];
  let style = PLAIN;
  let last = 0;
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(visible); match; match = ESCAPE.exec(visible)) {
    if (match.index > last) push(segments, visible.slice(last, match.index), style);
    if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
    last = ESCAPE.lastIndex;
  }
  if (last < visible.length) push(segments, visible.slice(last), style);
  return segments.length ? segments : [{ text: '', style: null }];
}

function push(segments: AnsiSegment[], text: string, style: AnsiStyle): void {
  const own = isPlain(style) ? null : style;
  const previous = segments[segments.length - 1];
  if (previous && sameStyle(previous.style, own)) previous.text += text;
  else segments.push({ text, style: own });
}

function sameStyle(a: AnsiStyle | null, b: AnsiStyle | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline &&
    a.inverse === b.inverse
  );
}

const CUBE = [0, 95, 135, 175, 215, 255];

/** CSS for a 256-colour index ≥ 16 (the 16 palette colours are themed by CSS classes instead). */
export function xterm256(n: number): string {
  if (n >= 232) {
    const level = 8 + (n - 232) * 10;
    return `#${hex(level)}${hex(level)}${hex(level)}`;
  }
  const i = n - 16;
  const r = CUBE[Math.floor(i / 36) % 6] ?? 0;
  const g = CUBE[Math.floor(i / 6) % 6] ?? 0;
  const b = CUBE[i % 6] ?? 0;
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}
