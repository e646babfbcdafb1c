import { useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { errorMessage, useI18n } from "../i18n";
import type { StoredSession } from "../offline/db";
import { signIn } from "../session";
import { LanguageSelect } from "./LanguageSelect";

export function Login({ online, onSignedIn }: { online: boolean; onSignedIn: (s: StoredSession) => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(email.trim(), password));
    } catch (e) {
      setError(errorMessage(t, e instanceof ApiError ? e.code : "unknown"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <img class="login-mark" src="/icons/icon-192.png" alt="" width="72" height="72" />
      <h1>{t((m) => m.login.title)}</h1>
      <p class="muted">{t((m) => m.login.subtitle)}</p>
      {!online && <p class="notice">{t((m) => m.login.needsNetwork)}</p>}
      <form onSubmit={submit} class="stack">
        <label>
          {t((m) => m.login.email)}
          <input
            data-testid="login-email"
            type="email"
            autocomplete="username"
            inputMode="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label>
          {t((m) => m.login.password)}
          <input
            data-testid="login-password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button data-testid="login-submit" class="primary" type="submit" disabled={busy}>
          {busy ? t((m) => m.login.submitting) : t((m) => m.login.submit)}
        </button>
      </form>
      <LanguageSelect />
    </main>
  );
}
