// Admins: named tokens other systems (a CRM, a project tool) use to report key-result
// values. A token is shown once, right after it is created; the server keeps only its hash.
import { useEffect, useState } from "preact/hooks";
import type { IntegrationToken, IntegrationTokenIssued } from "../api/client";
import { failure } from "../goals/parts";
import { useI18n } from "../i18n";
import { authorized } from "../session";

export function Integrations() {
  const { t, locale } = useI18n();
  const [tokens, setTokens] = useState<IntegrationToken[]>([]);
  const [name, setName] = useState("");
  const [issued, setIssued] = useState<IntegrationTokenIssued | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => authorized<IntegrationToken[]>("/api/admin/integration-tokens").then(setTokens, (e) => setError(failure(t, e)));
  useEffect(() => void load(), []);
  const when = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });

  async function act(run: () => Promise<unknown>) {
    setError(null);
    try {
      await run();
      await load();
    } catch (e) {
      setError(failure(t, e));
    }
  }
  const create = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      setIssued(await authorized<IntegrationTokenIssued>("/api/admin/integration-tokens", { method: "POST", body: JSON.stringify({ name }) }));
      setName("");
    });
  };
  const revoke = (token: IntegrationToken) => {
    if (confirm(t((m) => m.integrations.revokeConfirm, { name: token.name }))) {
      void act(() => authorized(`/api/admin/integration-tokens/${token.id}`, { method: "DELETE" }));
    }
  };

  return (
    <section data-testid="integrations">
      <h2>{t((m) => m.integrations.title)}</h2>
      <p class="muted">{t((m) => m.integrations.explain)}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {issued && (
        <div class="card notice" data-testid="issued-token">
          <strong>{t((m) => m.integrations.copyNow, { name: issued.name })}</strong>
          <code class="secret">{issued.token}</code>
        </div>
      )}
      <ul class="list" data-testid="integration-tokens">
        {tokens.map((token) => (
          <li key={token.id} class="card">
            <strong>{token.name}</strong>
            <span class="muted">
              {t((m) => m.integrations.created, { when: when.format(new Date(token.created_at)) })}
              {" · "}
              {token.last_used_at ? t((m) => m.integrations.lastUsed, { when: when.format(new Date(token.last_used_at)) }) : t((m) => m.integrations.neverUsed)}
            </span>
            {token.revoked_at ? (
              <span class="chip">{t((m) => m.integrations.revoked)}</span>
            ) : (
              <button class="quiet" onClick={() => revoke(token)} data-testid="revoke-token">
                {t((m) => m.integrations.revoke)}
              </button>
            )}
          </li>
        ))}
      </ul>
      <form class="inline-form" onSubmit={create}>
        <input aria-label={t((m) => m.integrations.name)} placeholder={t((m) => m.integrations.name)} required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="token-name" />
        <button class="primary" type="submit" data-testid="create-token">
          {t((m) => m.integrations.create)}
        </button>
      </form>
    </section>
  );
}
