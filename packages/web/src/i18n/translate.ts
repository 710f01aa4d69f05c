/** Message lookup and placeholder filling, without React (unit-tested). */
import { en, type MessageKey } from './en';
import { pl } from './pl';
import type { Locale } from '@polytene/protocol';

export type { MessageKey };
export const MESSAGES: Record<Locale, Record<MessageKey, string>> = { en, pl };
export const LOCALES: readonly Locale[] = ['en', 'pl'];

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** Fills `{name}` placeholders. */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

export function translator(locale: Locale): Translate {
  const messages = MESSAGES[locale];
  return (key, values) => format(messages[key], values);
}

/** Placeholders used by a message, sorted (the two languages must use the same ones). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}
