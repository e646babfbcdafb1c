// Choose a colleague by typing part of their name (the company directory search).
import { useEffect, useState } from "preact/hooks";
import type { PersonCard } from "../api/client";
import { useI18n } from "../i18n";
import { authorized } from "../session";

export type Chosen = { id: string; display_name: string };
const RESULTS = 8;
const TYPING_PAUSE_MS = 250;

export function PersonPicker({
  label,
  chosen,
  onChoose,
  testId,
}: {
  label: string;
  chosen: Chosen | null;
  onChoose: (person: Chosen | null) => void;
  testId?: string;
}) {
  const { t } = useI18n();
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<PersonCard[]>([]);

  useEffect(() => {
    if (!query.trim()) return setFound([]);
    // Wait for a pause in typing: one search per name, not per keystroke.
    const timer = setTimeout(() => {
      authorized<PersonCard[]>(`/api/people?q=${encodeURIComponent(query.trim())}&limit=${RESULTS}`).then(setFound, () => setFound([]));
    }, TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [query]);

  if (chosen) {
    return (
      <div class="stack">
        <span class="label">{label}</span>
        <span class="chips">
          <button type="button" class="chip" onClick={() => onChoose(null)} aria-label={t((m) => m.people.remove, { name: chosen.display_name })} data-testid={testId && `${testId}-chosen`}>
            {chosen.display_name} ×
          </button>
        </span>
      </div>
    );
  }
  return (
    <div class="stack">
      <label>
        {label}
        <input type="search" placeholder={t((m) => m.people.search)} value={query} onInput={(e) => setQuery(e.currentTarget.value)} data-testid={testId} />
      </label>
      {found.length > 0 && (
        <ul class="list picker">
          {found.map((person) => (
            <li key={person.id}>
              <button
                type="button"
                class="link"
                onClick={() => {
                  onChoose({ id: person.id, display_name: person.display_name });
                  setQuery("");
                }}
              >
                {person.display_name}
                <span class="muted"> {person.department_name ?? ""}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
