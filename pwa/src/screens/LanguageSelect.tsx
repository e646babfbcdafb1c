import { LOCALES, useI18n, type Locale } from "../i18n";

/** The zh-CN / en switch; the choice is remembered on this device. */
export function LanguageSelect() {
  const { t, locale, setLocale } = useI18n();
  return (
    <label class="row">
      {t((m) => m.me.language)}
      <select data-testid="language" value={locale} onChange={(e) => setLocale(e.currentTarget.value as Locale)}>
        {Object.entries(LOCALES).map(([code, { label }]) => (
          <option key={code} value={code}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}
