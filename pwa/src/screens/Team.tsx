import { useEffect, useState } from "preact/hooks";
import { ApiError, type PersonCard } from "../api/client";
import { errorMessage, useI18n } from "../i18n";
import { authorized } from "../session";

export function Team() {
  const { t } = useI18n();
  const [team, setTeam] = useState<PersonCard[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    authorized<PersonCard[]>("/api/me/team")
      .then(setTeam)
      .catch((e) => setError(errorMessage(t, e instanceof ApiError ? e.code : "unknown")));
  }, []);
  return (
    <main class="screen">
      <h1>{t((m) => m.team.title)}</h1>
      {error && <p class="error">{error}</p>}
      {team?.length === 0 && <p class="muted">{t((m) => m.team.empty)}</p>}
      <ul class="list" data-testid="team-list">
        {team?.map((person) => (
          <li key={person.id} class="card">
            <strong>{person.display_name}</strong>
            <span class="muted">
              {person.title}
              {person.department_name ? ` · ${person.department_name}` : ""}
            </span>
          </li>
        ))}
      </ul>
    </main>
  );
}
