// "Who can see my data" (from the server's own policies), "who viewed my data" (the access
// log, narrowed by kind of record, viewer and time span), a copy of my data to take away,
// and for HR and admins how long each kind of record is kept. Reached from Me.
import { useEffect, useState } from "preact/hooks";
import type { AccessLogPage, DataAudience, PersonRef, Retention as RetentionRead } from "../api/client";
import { ChipTabs } from "../components/ChipTabs";
import { failure } from "../goals/parts";
import { useI18n } from "../i18n";
import { useNewest } from "../newest";
import { authorized, authorizedResponse } from "../session";

type LoggedKind = AccessLogPage["items"][number]["record_kind"];

const LOGGED_KINDS: Array<LoggedKind | "all"> = ["all", "profile", "goal", "checkin", "alert"];
const SPANS = { any: 0, week: 7, month: 30, year: 365 } as const;
type Span = keyof typeof SPANS;

export function Privacy({ online, retention }: { online: boolean; retention: boolean }) {
  const { t } = useI18n();
  const [audience, setAudience] = useState<DataAudience | null>(null);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    if (online) authorized<DataAudience>("/api/me/data-audience").then(setAudience, (e) => setNote(failure(t, e)));
  }, [online]);
  return (
    <main class="screen" data-testid="privacy">
      <h1>{t((m) => m.privacy.title)}</h1>
      {!online && <p class="muted">{t((m) => m.privacy.needsNetwork)}</p>}
      {note && <p class="muted">{note}</p>}
      {audience && <Audience audience={audience} />}
      {online && <AccessLog viewers={audience ? viewersIn(audience) : []} />}
      {online && <Export />}
      {online && retention && <Retention />}
    </main>
  );
}

function Audience({ audience }: { audience: DataAudience }) {
  const { t, locale } = useI18n();
  const names = new Intl.ListFormat(locale, { type: "conjunction" });
  return (
    <section>
      <h2>{t((m) => m.privacy.audienceTitle)}</h2>
      <p class="muted">{t((m) => m.privacy.audienceIntro)}</p>
      <ul class="list" data-testid="data-audience">
        {audience.records.map((record) => (
          <li key={record.kind} class="card" data-testid={`audience-${record.kind}`}>
            <strong>{t((m) => m.privacy.kind[record.kind])}</strong>
            <ul class="grants">
              {record.audience.map(({ condition, ...grant }) => (
                <li key={grant.viewer}>
                  <span>
                    {t((m) => m.privacy.grant, {
                      who:
                        grant.people.length > 0 && grant.viewer !== "self"
                          ? t((m) => m.privacy.named, { who: t((m) => m.privacy.viewer[grant.viewer]), names: names.format(grant.people.map((p) => p.display_name)) })
                          : t((m) => m.privacy.viewer[grant.viewer]),
                      access: t((m) => m.privacy.access[grant.access]),
                    })}
                  </span>
                  {condition !== "always" && <span class="muted"> · {t((m) => m.privacy.condition[condition])}</span>}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Everyone the overview names who could show up in the log: managers, HR and admins. */
function viewersIn(audience: DataAudience): PersonRef[] {
  const byId = new Map<string, PersonRef>();
  for (const record of audience.records)
    for (const grant of record.audience) if (grant.viewer !== "self") for (const person of grant.people) byId.set(person.id, person);
  return [...byId.values()];
}

function AccessLog({ viewers }: { viewers: PersonRef[] }) {
  const { t, locale } = useI18n();
  const [kind, setKind] = useState<LoggedKind | "all">("all");
  const [viewer, setViewer] = useState("");
  const [span, setSpan] = useState<Span>("any");
  const [page, setPage] = useState<AccessLogPage | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const newest = useNewest();
  const time = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });

  function query(cursor: string | null): string {
    const params = new URLSearchParams({ limit: "20" });
    if (kind !== "all") params.set("record_kind", kind);
    if (viewer) params.set("viewer_id", viewer);
    if (SPANS[span]) params.set("since", new Date(Date.now() - SPANS[span] * 86_400_000).toISOString());
    if (cursor) params.set("cursor", cursor);
    return `/api/me/access-log?${params}`;
  }
  async function load(more: boolean) {
    try {
      const next = await newest(authorized<AccessLogPage>(query(more ? page?.next_cursor ?? null : null)));
      setPage(more && page ? { items: [...page.items, ...next.items], next_cursor: next.next_cursor } : next);
      setFailed(null);
    } catch (e) {
      setFailed(failure(t, e));
    }
  }
  useEffect(() => void load(false), [kind, viewer, span]);

  return (
    <section>
      <h2>{t((m) => m.me.accessLogTitle)}</h2>
      <ChipTabs
        options={LOGGED_KINDS}
        chosen={kind}
        onChoose={setKind}
        label={(k) => (k === "all" ? t((m) => m.privacy.allKinds) : t((m) => m.recordKind[k]))}
        testId={(k) => `log-kind-${k}`}
      />
      <div class="filters">
        <label>
          {t((m) => m.privacy.viewerFilter)}
          <select value={viewer} onChange={(e) => setViewer(e.currentTarget.value)} data-testid="log-viewer">
            <option value="">{t((m) => m.privacy.anyone)}</option>
            {viewers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.display_name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t((m) => m.privacy.spanFilter)}
          <select value={span} onChange={(e) => setSpan(e.currentTarget.value as Span)} data-testid="log-span">
            {(Object.keys(SPANS) as Span[]).map((s) => (
              <option key={s} value={s}>
                {t((m) => m.privacy.span[s])}
              </option>
            ))}
          </select>
        </label>
      </div>
      {failed && <p class="muted">{failed}</p>}
      {page?.items.length === 0 && <p class="muted">{t((m) => m.me.accessLogEmpty)}</p>}
      <ul class="list" data-testid="access-log">
        {page?.items.map((entry) => (
          <li key={entry.id} class="card">
            <span>
              {t((m) => m.me.viewedAs, {
                viewer: entry.viewer.display_name,
                kind: t((m) => m.recordKind[entry.record_kind]),
                relation: t((m) => (m.relation as Record<string, string>)[entry.relation] ?? entry.relation),
              })}
            </span>
            <time class="muted" dateTime={entry.viewed_at}>
              {time.format(new Date(entry.viewed_at))}
            </time>
          </li>
        ))}
      </ul>
      {page?.next_cursor && (
        <button class="quiet wide" onClick={() => void load(true)} data-testid="log-more">
          {t((m) => m.privacy.more)}
        </button>
      )}
    </section>
  );
}

const EXPORTS = {
  json: "/api/me/export",
  summary: "/api/me/export/summary",
} as const;
type ExportKind = keyof typeof EXPORTS;

/** Saves the server's file under the name it gives (tandem-my-data-<day>.json or .html). */
async function saveAs(response: Response): Promise<void> {
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  const address = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: address, download: named?.[1] ?? "tandem-my-data" });
  link.click();
  // The browser reads the file after this task; a minute is ample before letting it go.
  setTimeout(() => URL.revokeObjectURL(address), 60_000);
}

function Export() {
  const { t, locale } = useI18n();
  const [preparing, setPreparing] = useState<ExportKind | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  async function download(kind: ExportKind) {
    setPreparing(kind);
    setFailed(null);
    try {
      const path = kind === "summary" ? `${EXPORTS.summary}?locale=${locale}` : EXPORTS.json;
      await saveAs(await authorizedResponse(path));
    } catch (e) {
      setFailed(failure(t, e));
    } finally {
      setPreparing(null);
    }
  }
  return (
    <section data-testid="export">
      <h2>{t((m) => m.privacy.exportTitle)}</h2>
      <p class="muted">{t((m) => m.privacy.exportIntro)}</p>
      {(Object.keys(EXPORTS) as ExportKind[]).map((kind) => (
        <button key={kind} class="quiet wide" disabled={preparing !== null} onClick={() => void download(kind)} data-testid={`export-${kind}`}>
          {preparing === kind ? t((m) => m.privacy.exporting) : t((m) => m.privacy.exportAs[kind])}
        </button>
      ))}
      {failed && <p class="muted">{failed}</p>}
    </section>
  );
}

/** HR (and admins, read only): each kind's period in days; empty keeps it until deleted. */
function Retention() {
  const { t } = useI18n();
  const [read, setRead] = useState<RetentionRead | null>(null);
  const [days, setDays] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string | null>(null);
  function show(periods: RetentionRead) {
    setRead(periods);
    setDays(Object.fromEntries(periods.periods.map((p) => [p.kind, p.days?.toString() ?? ""])));
  }
  useEffect(() => void authorized<RetentionRead>("/api/privacy/retention").then(show, (e) => setNote(failure(t, e))), []);
  async function save(e: Event) {
    e.preventDefault();
    const typed = (kind: string) => (days[kind].trim() ? Number(days[kind]) : null);
    const changed = read?.periods.filter((p) => typed(p.kind) !== p.days).map((p) => ({ kind: p.kind, days: typed(p.kind) })) ?? [];
    if (changed.length === 0) return;
    try {
      show(await authorized<RetentionRead>("/api/privacy/retention", { method: "PUT", body: JSON.stringify({ periods: changed }) }));
      setNote(t((m) => m.privacy.retentionSaved));
    } catch (error) {
      setNote(failure(t, error));
    }
  }
  return (
    <section data-testid="retention">
      <h2>{t((m) => m.privacy.retentionTitle)}</h2>
      <p class="muted">{t((m) => m.privacy.retentionIntro)}</p>
      {read && (
        <form onSubmit={save}>
          {read.periods.map((period) => (
            <label key={period.kind}>
              {t((m) => m.privacy.retentionKind[period.kind])}
              <input
                type="number"
                inputMode="numeric"
                min={period.min_days}
                max={36500}
                placeholder={t((m) => m.privacy.keptUntilDeleted)}
                value={days[period.kind]}
                disabled={!read.editable}
                onInput={(e) => setDays({ ...days, [period.kind]: e.currentTarget.value })}
                data-testid={`retention-${period.kind}`}
              />
              <span class="muted">{t((m) => m.privacy.retentionMin, { days: period.min_days })}</span>
            </label>
          ))}
          {read.editable && (
            <button class="primary wide" data-testid="retention-save">
              {t((m) => m.privacy.retentionSave)}
            </button>
          )}
        </form>
      )}
      {note && (
        <p role="status" data-testid="retention-note">
          {note}
        </p>
      )}
    </section>
  );
}
