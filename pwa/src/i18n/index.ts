// Locale selection and message lookup. The choice is the user's (saved on the device);
// without one, the browser's language decides.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { en, type Messages } from "./en";
import { zhCN } from "./zh-CN";

export type Locale = "zh-CN" | "en";
export const LOCALES: Record<Locale, { label: string; messages: Messages }> = {
  "zh-CN": { label: "简体中文", messages: zhCN },
  en: { label: "English", messages: en },
};
const STORAGE_KEY = "tandem.locale";

export function initialLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === "zh-CN" || saved === "en") return saved;
  return navigator.languages.some((l) => l.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export function saveLocale(locale: Locale): void {
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
}

export type Translate = (pick: (m: Messages) => string, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const messages = LOCALES[locale].messages;
  return (pick, params = {}) =>
    pick(messages).replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** The message for a problem `code` from the API, or a generic one. */
export function errorMessage(t: Translate, code: string): string {
  return t((m) => (m.errors as Record<string, string>)[code] ?? m.errors.unknown);
}

export const I18n = createContext<{ locale: Locale; t: Translate; setLocale: (l: Locale) => void }>({
  locale: "en",
  t: translator("en"),
  setLocale: () => undefined,
});

export const useI18n = () => useContext(I18n);
