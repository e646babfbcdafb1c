import { useEffect, useState } from "preact/hooks";
import { useI18n } from "../i18n";
import { pushState, turnOff, turnOn, type PushState } from "../push";

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
    </section>
  );
}
