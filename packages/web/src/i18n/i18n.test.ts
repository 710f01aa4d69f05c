import { describe, expect, it } from 'vitest';
import { LOCALES, MESSAGES, format, placeholders, translator } from './translate';

describe('translations', () => {
  const english = Object.keys(MESSAGES.en).sort();

  it.each(LOCALES)('%s has every key and no extra ones', (locale) => {
    expect(Object.keys(MESSAGES[locale]).sort()).toEqual(english);
  });

  it.each(LOCALES)('%s has no empty message', (locale) => {
    const empty = Object.entries(MESSAGES[locale]).filter(([, text]) => text.trim() === '');
    expect(empty).toEqual([]);
  });

  it('Polish uses the same placeholders as English in every message', () => {
    const differing = english.filter(
      (key) =>
        JSON.stringify(placeholders(MESSAGES.pl[key as keyof typeof MESSAGES.pl])) !==
        JSON.stringify(placeholders(MESSAGES.en[key as keyof typeof MESSAGES.en])),
    );
    expect(differing).toEqual([]);
  });

  it('Polish is actually translated (most messages differ from English)', () => {
    const same = english.filter(
      (key) => MESSAGES.pl[key as keyof typeof MESSAGES.pl] === MESSAGES.en[key as keyof typeof MESSAGES.en],
    );
    expect(same.length).toBeLessThan(english.length / 10);
  });
});

describe('format', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('Page {page} of {pages}', { page: 2, pages: 5 })).toBe('Page 2 of 5');
    expect(format('Hello {name}')).toBe('Hello {name}');
  });

  it('translates by locale', () => {
    expect(translator('pl')('nav.projects')).toBe('Projekty');
    expect(translator('en')('deployment.title', { id: 7 })).toBe('Deployment #7');
  });
});
