// Choose a colleague by typing part of their name (the company directory search).
import type { PersonCard } from "../api/client";
import { useI18n } from "../i18n";
import { authorized } from "../session";
import { SearchPicker } from "./SearchPicker";

export type Chosen = { id: string; display_name: string };
const RESULTS = 8;

async function searchPeople(query: string) {
  const people = await authorized<PersonCard[]>(`/api/people?q=${encodeURIComponent(query)}&limit=${RESULTS}`);
  return people.map((p) => ({ id: p.id, label: p.display_name, detail: p.department_name ?? "" }));
}

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
  return (
    <SearchPicker
      label={label}
      placeholder={t((m) => m.people.search)}
      chosen={chosen && { id: chosen.id, label: chosen.display_name }}
      onChoose={(choice) => onChoose(choice && { id: choice.id, display_name: choice.label })}
      search={searchPeople}
      testId={testId}
    />
  );
}
