// Deviation alerts: what drifted, the conversation guide, and the conversation's lifecycle
// (book a date, then record the agreement or dismiss with a reason). Loaded on its own
// chunk: it is opened from Today, the inbox or a notification, not on every start.
import { useEffect, useState } from "preact/hooks";
import type { Alert } from "../api/client";
import { ChipTabs } from "../components/ChipTabs";
import { failure } from "../goals/parts";
import { useI18n, type Translate } from "../i18n";
import { useNewest } from "../newest";
import { authorized } from "../session";

type Status = "active" | "closed";
type Outcome = NonNullable<Alert["outcome"]>;
const OUTCOMES: Outcome[] = ["adjust_goal", "resources", "division_of_work", "no_change"];

export function Alerts({ alertId, online, navigate, meId }: { alertId: string | null; online: boolean; navigate: (path: string) => void; meId: string }) {
  return alertId ? <AlertDetail key={alertId} alertId={alertId} online={online} navigate={navigate} /> : <AlertList online={online} navigate={navigate} meId={meId} />;
}

function AlertList({ online, navigate, meId }: { online: boolean; navigate: (path: string) => void; meId: string }) {
  const { t, locale } = useI18n();
  const [status, setStatus] = useState<Status>("active");
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const newest = useNewest();
  const day = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  useEffect(() => {
    if (online) newest(authorized<Alert[]>(`/api/alerts?status=${status}`)).then(setAlerts, () => undefined);
  }, [online, status]);
  return (
    <main class="screen">
      <h1>{t((m) => m.alerts.title)}</h1>
      {!online && <p class="muted">{t((m) => m.alerts.needsNetwork)}</p>}
      <ChipTabs
        options={["active", "closed"] as Status[]}
        chosen={status}
        onChoose={setStatus}
        label={(s) => t((m) => m.alerts[s])}
        testId={(s) => `alerts-${s}`}
      />
      {alerts?.length === 0 && <p class="muted">{t((m) => m.alerts.empty)}</p>}
      <ul class="list" data-testid="alerts">
        {alerts?.map((alert) => (
          <li key={alert.id}>
            <button class="card wide alert" data-testid={`alert-${alert.kind}`} onClick={() => navigate(`/alerts/${alert.id}`)}>
              <strong>{t((m) => m.alerts.kind[alert.kind])}</strong>
              {alert.person.id !== meId && <span>{t((m) => m.alerts.about, { name: alert.person.display_name })}</span>}
              {alert.key_result && <span>{alert.key_result.title}</span>}
              <span class="muted">
                {stateText(t, alert, day)} · {t((m) => m.alerts.opened, { date: day.format(new Date(alert.opened_at)) })}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}

function stateText(t: Translate, alert: Alert, day: Intl.DateTimeFormat): string {
  const date = alert.scheduled_for ? day.format(new Date(alert.scheduled_for)) : "";
  return t((m) => m.alerts.state[alert.state], { date });
}

function number(value: string, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(Number(value));
}

function AlertDetail({ alertId, online, navigate }: { alertId: string; online: boolean; navigate: (path: string) => void }) {
  const { t, locale } = useI18n();
  const [alert, setAlert] = useState<Alert | null>(null);
  const [error, setError] = useState<string | null>(null);
  const day = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
  useEffect(() => {
    if (online) authorized<Alert>(`/api/alerts/${alertId}`).then(setAlert, (e) => setError(failure(t, e)));
  }, [online, alertId]);

  async function act(action: "schedule" | "resolve" | "dismiss", body: object) {
    setError(null);
    try {
      setAlert(await authorized<Alert>(`/api/alerts/${alertId}/${action}`, { method: "POST", body: JSON.stringify(body) }));
    } catch (e) {
      setError(failure(t, e));
    }
  }

  if (!alert)
    return (
      <main class="screen" aria-busy={online}>
        {!online && <p class="muted">{t((m) => m.alerts.needsNetwork)}</p>}
        {error && <p class="error" role="alert">{error}</p>}
      </main>
    );
  const values = {
    observed: number(alert.observed, locale),
    expected: number(alert.expected, locale),
    threshold: number(alert.threshold, locale),
    date: alert.due_on ? day.format(new Date(alert.due_on)) : "",
  };
  return (
    <main class="screen" data-testid="alert-detail">
      <button class="link" onClick={() => navigate("/alerts")}>
        {t((m) => m.alerts.back)}
      </button>
      <h1>{t((m) => m.alerts.kind[alert.kind])}</h1>
      <p class="muted">
        {t((m) => m.alerts.about, { name: alert.person.display_name })}
        {alert.key_result && ` · ${alert.key_result.title}`}
      </p>
      <p class="card" data-testid="alert-reading">
        {t((m) => m.alerts.reading[alert.kind], values)}
      </p>
      <p data-testid="alert-state">
        <strong>{stateText(t, alert, day)}</strong>
      </p>
      {alert.state === "resolved" && alert.outcome && (
        <p data-testid="alert-agreement">{t((m) => m.alerts.agreementShown, { outcome: t((m) => m.alerts.outcome[alert.outcome as Outcome]), text: alert.agreement })}</p>
      )}
      {alert.state === "dismissed" && <p>{t((m) => m.alerts.dismissedShown, { text: alert.dismiss_reason })}</p>}
      {alert.escalated_at && <p class="notice">{t((m) => m.alerts.escalated)}</p>}
      {alert.state === "open" && !alert.manager_only && <p class="notice">{t((m) => m.alerts.advice)}</p>}
      <Guide alert={alert} />
      {error && (
        <p class="error" role="alert" data-testid="alert-error">
          {error}
        </p>
      )}
      {alert.can_act && <Actions alert={alert} act={act} />}
      {alert.state === "resolved" && alert.outcome === "adjust_goal" && alert.goal && (
        <button class="primary wide" data-testid="amend-goal" onClick={() => navigate(`/goals/${alert.goal!.id}`)}>
          {t((m) => m.alerts.amendGoal)}
        </button>
      )}
    </main>
  );
}

function Guide({ alert }: { alert: Alert }) {
  const { t } = useI18n();
  return (
    <section class="card" data-testid="alert-guide">
      <h2>{t((m) => m.alerts.guideTitle)}</h2>
      <ol>
        <li>{t((m) => m.alerts.guide[alert.kind].problem)}</li>
        <li>{t((m) => m.alerts.guide[alert.kind].options)}</li>
        <li>{t((m) => m.alerts.guide.change)}</li>
        <li>{t((m) => m.alerts.guide.record)}</li>
      </ol>
    </section>
  );
}

function Actions({ alert, act }: { alert: Alert; act: (action: "schedule" | "resolve" | "dismiss", body: object) => Promise<void> }) {
  const { t } = useI18n();
  const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const [on, setOn] = useState(alert.scheduled_for ?? inTwoDays);
  const [outcome, setOutcome] = useState<Outcome>("no_change");
  const [agreement, setAgreement] = useState("");
  const [reason, setReason] = useState("");
  return (
    <>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void act("schedule", { on });
        }}
      >
        <h2>{t((m) => m.alerts.schedule)}</h2>
        <label>
          {t((m) => m.alerts.scheduleOn)}
          <input type="date" required value={on} data-testid="schedule-on" onInput={(e) => setOn(e.currentTarget.value)} />
        </label>
        <button class="secondary wide" data-testid="schedule-save">
          {t((m) => m.alerts.scheduleSave)}
        </button>
      </form>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void act("resolve", { outcome, agreement });
        }}
      >
        <h2>{t((m) => m.alerts.resolve)}</h2>
        <fieldset class="choices">
          {OUTCOMES.map((option) => (
            <label key={option} class="check">
              <input type="radio" name="outcome" value={option} checked={outcome === option} data-testid={`outcome-${option}`} onChange={() => setOutcome(option)} />
              {t((m) => m.alerts.outcome[option])}
            </label>
          ))}
        </fieldset>
        <label>
          {t((m) => m.alerts.agreement)}
          <textarea required maxLength={4000} value={agreement} data-testid="agreement" onInput={(e) => setAgreement(e.currentTarget.value)} />
        </label>
        <button class="primary wide" data-testid="resolve-save">
          {t((m) => m.alerts.resolveSave)}
        </button>
      </form>
      <details class="card">
        <summary>{t((m) => m.alerts.dismiss)}</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act("dismiss", { reason });
          }}
        >
          <label>
            {t((m) => m.alerts.dismissReason)}
            <textarea required maxLength={2000} value={reason} data-testid="dismiss-reason" onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <button class="quiet wide" data-testid="dismiss-save">
            {t((m) => m.alerts.dismissSave)}
          </button>
        </form>
      </details>
    </>
  );
}
