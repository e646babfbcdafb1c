import { useEffect, useState } from "preact/hooks";
import type { AccessLogPage, GoalRights, Me as MeRead } from "../api/client";
import { useI18n } from "../i18n";
import { authorized } from "../session";
import { Integrations } from "./Integrations";
import { LanguageSelect } from "./LanguageSelect";
import { PushSetting } from "./PushSetting";

export function Me({
  me,
  rights,
  plans,
  openPlan,
  openAlertRules,
  online,
  unsynced,
  onSignOut,
}: {
  me: MeRead;
  rights: GoalRights | null;
  plans: boolean;
  openPlan: () => void;
  openAlertRules: () => void;
  online: boolean;
  unsynced: number;
  onSignOut: () => void;
}) {
  const { t, locale } = useI18n();
  const [log, setLog] = useState<AccessLogPage | null>(null);
  useEffect(() => {
    if (online) authorized<AccessLogPage>("/api/me/access-log?limit=20").then(setLog, () => setLog(null));
  }, [online]);
  const time = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });

  function signOut() {
    if (unsynced > 0 && !confirm(t((m) => m.me.signOutUnsynced, { count: unsynced }))) return;
    onSignOut();
  }

  return (
    <main class="screen">
      <h1>{me.display_name}</h1>
      <p class="muted">{me.email}</p>
      <LanguageSelect />
      <PushSetting />
      {plans && (
        <button class="quiet wide" onClick={openPlan} data-testid="open-plan">
          {t((m) => m.plan.title)}
        </button>
      )}
      {me.roles.includes("hr") && (
        <button class="quiet wide" onClick={openAlertRules} data-testid="open-alert-rules">
          {t((m) => m.alerts.rulesTitle)}
        </button>
      )}
      <h2>{t((m) => m.me.accessLogTitle)}</h2>
      {!online && <p class="muted">{t((m) => m.me.accessLogNeedsNetwork)}</p>}
      {log?.items.length === 0 && <p class="muted">{t((m) => m.me.accessLogEmpty)}</p>}
      <ul class="list" data-testid="access-log">
        {log?.items.map((entry) => (
          <li key={entry.id} class="card">
            <span>
              {t((m) => m.me.viewedAs, {
                viewer: entry.viewer.display_name,
                kind: t((m) => (m.recordKind as Record<string, string>)[entry.record_kind] ?? entry.record_kind),
                relation: t((m) => (m.relation as Record<string, string>)[entry.relation] ?? entry.relation),
              })}
            </span>
            <time class="muted" dateTime={entry.viewed_at}>
              {time.format(new Date(entry.viewed_at))}
            </time>
          </li>
        ))}
      </ul>
      {online && rights?.integrations && <Integrations />}
      <button data-testid="sign-out" class="secondary" onClick={signOut}>
        {t((m) => m.me.signOut)}
      </button>
    </main>
  );
}
