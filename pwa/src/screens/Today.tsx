import { useI18n } from "../i18n";
import type { Me } from "../api/client";

export function Today({ me, online }: { me: Me; online: boolean }) {
  const { t, locale } = useI18n();
  const today = new Intl.DateTimeFormat(locale, { weekday: "long", month: "long", day: "numeric" }).format(new Date());
  return (
    <main class="screen">
      <p class="muted">{today}</p>
      <h1 data-testid="greeting">{t((m) => m.today.greeting, { name: me.display_name })}</h1>
      {!online && <p class="notice">{t((m) => m.today.offlineNote)}</p>}
    </main>
  );
}
