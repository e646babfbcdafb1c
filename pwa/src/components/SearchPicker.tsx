// Choose one thing by typing part of its name: a colleague, an objective to support. The
// server searches; a picker that `suggests` lists its nearest choices before any typing.
import { useEffect, useState } from "preact/hooks";
import { useI18n } from "../i18n";

export type Choice = { id: string; label: string; detail?: string };
const TYPING_PAUSE_MS = 250;

export function SearchPicker({
  label,
  placeholder,
  chosen,
  onChoose,
  search,
  suggests = false,
  testId,
}: {
  label: string;
  placeholder: string;
  chosen: Choice | null;
  onChoose: (choice: Choice | null) => void;
  search: (query: string) => Promise<Choice[]>;
  suggests?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Choice[]>([]);

  useEffect(() => {
    const typed = query.trim();
    if (chosen || (!typed && !suggests)) return setFound([]);
    // Wait for a pause in typing: one search per word, not per keystroke. An answer that
    // arrives after the next search started is dropped, so results never go back in time.
    let current = true;
    const timer = setTimeout(() => {
      search(typed).then(
        (choices) => current && setFound(choices),
        () => current && setFound([]),
      );
    }, TYPING_PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, chosen === null]);

  if (chosen) {
    return (
      <div class="stack">
        <span class="label">{label}</span>
        <span class="chips">
          <button type="button" class="chip" onClick={() => onChoose(null)} aria-label={t((m) => m.picker.remove, { name: chosen.label })} data-testid={testId && `${testId}-chosen`}>
            {chosen.label} ×
          </button>
        </span>
      </div>
    );
  }
  return (
    <div class="stack">
      <label>
        {label}
        <input type="search" placeholder={placeholder} value={query} onInput={(e) => setQuery(e.currentTarget.value)} data-testid={testId} />
      </label>
      {found.length > 0 && (
        <ul class="list picker">
          {found.map((choice) => (
            <li key={choice.id}>
              <button
                type="button"
                class="link"
                onClick={() => {
                  onChoose(choice);
                  setQuery("");
                }}
              >
                {choice.label}
                <span class="muted"> {choice.detail ?? ""}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
