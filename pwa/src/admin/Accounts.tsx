// Admins: the people who work here, who left, and whose data was erased. Sign someone out
// everywhere (a lost phone), mark a leaver, and erase a leaver's data once they are gone.
// Reached from Me; online only.
import { useEffect, useState } from "preact/hooks";
import type { Account, AccountState, ErasureReport } from "../api/client";
import { ChipTabs } from "../components/ChipTabs";
import { failure } from "../goals/parts";
import { useI18n } from "../i18n";
import { useNewest } from "../newest";
import { authorized } from "../session";

const STATES: AccountState[] = ["active", "departed", "erased"];

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

export function Accounts({ online }: { online: boolean }) {
  const { t } = useI18n();
  const [state, setState] = useState<AccountState>("active");
  const [query, setQuery] = useState("");
  const [people, setPeople] = useState<Account[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [erasing, setErasing] = useState<Account | null>(null);

  const newest = useNewest();
  const load = () =>
    newest(authorized<Account[]>(`/api/admin/people?${new URLSearchParams({ state, q: query.trim() })}`)).then(setPeople, (e) => setNote(failure(t, e)));
  useEffect(() => {
    if (online) void load();
  }, [state, query, online]);

  /** Runs an admin action; its own sentence (or the problem) is shown above the list. */
  async function act(run: () => Promise<string>) {
    setNote(null);
    try {
      setNote(await run());
      await load();
    } catch (e) {
      setNote(failure(t, e));
    }
  }
  const endSessions = (person: Account) => {
    if (!confirm(t((m) => m.accounts.endSessionsConfirm, { name: person.display_name }))) return;
    void act(async () => {
      await authorized(`/api/admin/people/${person.id}/sessions`, { method: "DELETE" });
      return t((m) => m.accounts.sessionsEnded, { name: person.display_name });
    });
  };
  const markLeft = (person: Account) => {
    if (!confirm(t((m) => m.accounts.markLeftConfirm, { name: person.display_name }))) return;
    void act(async () => {
      await authorized(`/api/admin/people/${person.id}`, { method: "PATCH", body: JSON.stringify({ active: false }) });
      return t((m) => m.accounts.markedLeft, { name: person.display_name });
    });
  };
  const erase = (person: Account) =>
    void act(async () => {
      const report = await authorized<ErasureReport>(`/api/admin/people/${person.id}/erasure`, { method: "POST" });
      setErasing(null);
      return t((m) => m.accounts.erased, { name: person.display_name, pseudonym: report.pseudonym, removed: total(report.removed), kept: total(report.kept) });
    });

  return (
    <main class="screen" data-testid="accounts">
      <h1>{t((m) => m.accounts.title)}</h1>
      {!online && <p class="muted">{t((m) => m.accounts.needsNetwork)}</p>}
      <ChipTabs options={STATES} chosen={state} onChoose={setState} label={(s) => t((m) => m.accounts.state[s])} testId={(s) => `accounts-${s}`} />
      <label>
        {t((m) => m.accounts.search)}
        <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} data-testid="accounts-search" />
      </label>
      {note && (
        <p role="status" data-testid="accounts-note">
          {note}
        </p>
      )}
      {people?.length === 0 && <p class="muted">{t((m) => m.accounts.empty)}</p>}
      <ul class="list" data-testid="accounts-list">
        {people?.map((person) => (
          <li key={person.id} class="card" data-testid="account">
            <strong>{person.display_name}</strong>
            {!person.erased_at && <span class="muted">{[person.email, person.title, person.department_name].filter(Boolean).join(" · ")}</span>}
            {state === "active" && (
              <div class="actions row">
                <button class="quiet" onClick={() => endSessions(person)} data-testid="end-sessions">
                  {t((m) => m.accounts.endSessions)}
                </button>
                <button class="quiet" onClick={() => markLeft(person)} data-testid="mark-left">
                  {t((m) => m.accounts.markLeft)}
                </button>
              </div>
            )}
            {state === "departed" &&
              (erasing?.id === person.id ? (
                <EraseForm person={person} onErase={() => erase(person)} onCancel={() => setErasing(null)} />
              ) : (
                <button class="quiet wide" onClick={() => setErasing(person)} data-testid="start-erasure">
                  {t((m) => m.accounts.erase)}
                </button>
              ))}
          </li>
        ))}
      </ul>
    </main>
  );
}

/** Erasure cannot be undone: the admin types the person's name before the button wakes. */
function EraseForm({ person, onErase, onCancel }: { person: Account; onErase: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [typed, setTyped] = useState("");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onErase();
      }}
      data-testid="erase-form"
    >
      <p>{t((m) => m.accounts.eraseExplain)}</p>
      <label>
        {t((m) => m.accounts.eraseTypeName, { name: person.display_name })}
        <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" data-testid="erase-name" />
      </label>
      <div class="actions row">
        <button type="button" class="quiet" onClick={onCancel}>
          {t((m) => m.accounts.cancel)}
        </button>
        <button type="submit" class="primary" disabled={typed.trim() !== person.display_name} data-testid="confirm-erasure">
          {t((m) => m.accounts.eraseNow)}
        </button>
      </div>
    </form>
  );
}
