/** English and Polish, switchable at run time; the user's locale comes from the server. */
import { createContext, useContext, type ReactNode } from 'react';
import { translator, type Translate } from './translate';
import type { Locale } from '@polytene/protocol';

export type { MessageKey, Translate } from './translate';

const STORAGE_KEY = 'polytene.locale';

export function guessLocale(): Locale {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'pl') return stored;
  return navigator.language.toLowerCase().startsWith('pl') ? 'pl' : 'en';
}

export function rememberLocale(locale: Locale): void {
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
}

export interface I18n {
  locale: Locale;
  t: Translate;
  setLocale: (locale: Locale) => void;
}

const I18nContext = createContext<I18n>({ locale: 'en', t: translator('en'), setLocale: () => undefined });

export function I18nProvider({ value, children }: { value: I18n; children: ReactNode }) {
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}

export function useT(): Translate {
  return useContext(I18nContext).t;
}
