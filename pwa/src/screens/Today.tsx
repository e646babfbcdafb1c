// Today: who I am, whether my next check-in is due, and the two things done most often on a
// phone — recognise someone, hold or prepare a check-in.
import { useEffect, useState } from "preact/hooks";
import type { Alert, CheckinStatus, Me } from "../api/client";
import { useI18n } from "../i18n";
import { useCached } from "../offline/pending";
import { authorized } from "../session";

export function Today({ me, online, navigate }: { me: Me; online: boolean; navigate: (to: "/feedback" | "/checkins" | "/alerts") => void }) {
  const { t, locale } = useI18n();
  const today = new Intl.DateTimeFormat(locale, { weekday: "long", month: "long", day: "numeric" }).format(new Date());
  const statuses = useCached<CheckinStatus>(me.id, "checkin_status");
  const dueForTeam = statuses.filter((s) => s.person.id !== me.id && (s.status === "due" || s.status === "overdue" || s.status === "never"));
  const mine = statuses.find((s) => s.person.id === me.id);
  const day = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" });
  // Alerts waiting for this person to book or close a conversation (online only).
  const [alerts, setAlerts] = useState(0);
  useEffect(() => {
    if (online) authorized<Alert[]>("/api/alerts").then((list) => setAlerts(list.filter((a) => a.can_act).length), () => undefined);
  }, [online, me.id]);
  return (
    <main class="screen">
      <p class="muted">{today}</p>
      <h1 data-testid="greeting">{t((m) => m.today.greeting, { name: me.display_name })}</h1>
      {!online && <p class="notice">{t((m) => m.today.offlineNote)}</p>}
      {mine && (
        <p class="card" data-testid="my-checkin-due">
          {t((m) => m.checkins.status[mine.status], { date: day.format(new Date(mine.next_due_on)) })}
        </p>
      )}
      {dueForTeam.length > 0 && (
        <p class="card" data-testid="team-checkins-due">
          {t((m) => m.today.teamDue, { names: dueForTeam.map((s) => s.person.display_name).join("、") })}
        </p>
      )}
      {alerts > 0 && (
        <button class="card wide notice" data-testid="today-alerts" onClick={() => navigate("/alerts")}>
          {t((m) => m.alerts.todayCard, { count: alerts })}
        </button>
      )}
      <div class="actions">
        <button class="primary" onClick={() => navigate("/feedback")} data-testid="quick-kudos">
          {t((m) => m.feedback.giveKudos)}
        </button>
        <button class="quiet" onClick={() => navigate("/checkins")} data-testid="quick-checkin">
          {t((m) => m.nav.checkins)}
        </button>
      </div>
    </main>
  );
}
