import { useEffect, useState } from "preact/hooks";
import type { NotificationPreferences } from "../api/client";
import { useI18n } from "../i18n";
import { pushState, turnOff, turnOn, type PushState } from "../push";
import { authorized } from "../session";

const EVENING = { start: "22:00", end: "07:00" };

/** Whether this phone gets notifications, and the one place that asks for permission. */
export function PushSetting() {
  const { t } = useI18n();
  const [state, setState] = useState<PushState | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    pushState().then(setState);
  }, []);

  async function change(action: () => Promise<PushState>) {
    setFailed(false);
    try {
      setState(await action());
    } catch {
      setFailed(true);
    }
  }

  if (state === null) return null;
  return (
    <section data-testid="push-setting">
      <h2>{t((m) => m.notifications.pushTitle)}</h2>
      <p class="muted" data-testid={`push-${state}`}>
        {state === "on" && t((m) => m.notifications.pushOn)}
        {state === "off" && t((m) => m.notifications.pushOff)}
        {state === "blocked" && t((m) => m.notifications.blocked)}
        {state === "install-first" && t((m) => m.notifications.installFirst)}
        {state === "unsupported" && t((m) => m.notifications.unsupported)}
      </p>
      {state === "off" && (
        <button class="wide" data-testid="push-turn-on" onClick={() => void change(turnOn)}>
          {t((m) => m.notifications.turnOn)}
        </button>
      )}
      {state === "on" && (
        <button class="quiet wide" data-testid="push-turn-off" onClick={() => void change(turnOff)}>
          {t((m) => m.notifications.turnOff)}
        </button>
      )}
      {failed && <p class="error">{t((m) => m.notifications.failed)}</p>}
      <Preferences />
    </section>
  );
}

/** The person's settings on the server (every device): quiet hours, and which kinds push. */
function Preferences() {
  const [prefs, setPrefs] = useState<NotificationPreferences | null>(null);
  useEffect(() => {
    authorized<NotificationPreferences>("/api/me/notification-preferences").then(setPrefs, () => undefined);
  }, []);
  if (!prefs) return null;
  const save = async (change: Partial<Pick<NotificationPreferences, "quiet_hours" | "muted_kinds">>) =>
    setPrefs(await authorized<NotificationPreferences>("/api/me/notification-preferences", { method: "PUT", body: JSON.stringify(change) }));
  return (
    <>
      <QuietHours prefs={prefs} save={save} />
      <PushKinds prefs={prefs} save={save} />
    </>
  );
}

type Save = (change: Partial<Pick<NotificationPreferences, "quiet_hours" | "muted_kinds">>) => Promise<void>;

/** Hours when pushes that can wait are held back. */
function QuietHours({ prefs, save: saveChange }: { prefs: NotificationPreferences; save: Save }) {
  const { t } = useI18n();
  const [hours, setHours] = useState(prefs.quiet_hours ?? EVENING);
  const [on, setOn] = useState(prefs.quiet_hours !== null);
  const [note, setNote] = useState<string | null>(null);

  async function save() {
    if (on && hours.start === hours.end) return setNote(t((m) => m.notifications.quietSame));
    await saveChange({ quiet_hours: on ? hours : null });
    setNote(t((m) => m.notifications.quietSaved));
  }

  return (
    <div data-testid="quiet-hours">
      <h3>{t((m) => m.notifications.quietTitle)}</h3>
      <p class="muted">{t((m) => m.notifications.quietHelp, { zone: prefs.time_zone })}</p>
      <label class="check">
        <input type="checkbox" data-testid="quiet-on" checked={on} onChange={(e) => setOn(e.currentTarget.checked)} />
        {t((m) => m.notifications.quietOn)}
      </label>
      {on && (
        <div class="row">
          <label>
            {t((m) => m.notifications.quietFrom)}
            <input type="time" data-testid="quiet-start" value={hours.start} onInput={(e) => setHours({ ...hours, start: e.currentTarget.value })} />
          </label>
          <label>
            {t((m) => m.notifications.quietTo)}
            <input type="time" data-testid="quiet-end" value={hours.end} onInput={(e) => setHours({ ...hours, end: e.currentTarget.value })} />
          </label>
        </div>
      )}
      <button class="quiet wide" data-testid="quiet-save" onClick={() => void save().catch(() => setNote(t((m) => m.notifications.quietFailed)))}>
        {t((m) => m.notifications.quietSave)}
      </button>
      {note && <p class="muted" data-testid="quiet-note">{note}</p>}
    </div>
  );
}

/** Which kinds of notification reach this person's devices (the inbox keeps every one). */
function PushKinds({ prefs, save }: { prefs: NotificationPreferences; save: Save }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  const muted = new Set(prefs.muted_kinds);
  function toggle(kind: string, wanted: boolean) {
    const next = new Set(muted);
    if (wanted) next.delete(kind);
    else next.add(kind);
    save({ muted_kinds: [...next] }).then(() => setFailed(false), () => setFailed(true));
  }
  return (
    <fieldset class="choices" data-testid="push-kinds">
      <legend>{t((m) => m.notifications.kindsTitle)}</legend>
      {prefs.choosable_kinds.map((kind) => (
        <label key={kind} class="check">
          <input type="checkbox" checked={!muted.has(kind)} data-testid={`push-kind-${kind}`} onChange={(e) => toggle(kind, e.currentTarget.checked)} />
          {t((m) => (m.notifications.kinds as Record<string, string>)[kind] ?? kind)}
        </label>
      ))}
      {failed && <p class="error">{t((m) => m.notifications.kindsFailed)}</p>}
    </fieldset>
  );
}
