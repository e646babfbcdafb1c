// HR: how many alerts are open about the people they cover, by department (who they are
// about stays with the two parties until an alert is escalated).
import type { OpenAlerts } from "../api/client";
import { DepartmentFigures } from "../components/DepartmentFigures";
import { useI18n } from "../i18n";

export function OpenByDepartment({ online }: { online: boolean }) {
  const { t } = useI18n();
  return (
    <DepartmentFigures<OpenAlerts["groups"][number]>
      online={online}
      path="/api/open-alerts-by-department"
      title={t((m) => m.alerts.byDepartment.title)}
      needsNetwork={t((m) => m.alerts.needsNetwork)}
      testId="open-alerts"
      describe={(group) =>
        group.open_alerts === null ? null : t((m) => m.alerts.byDepartment.figures, { alerts: group.open_alerts, people: group.people_with_open_alerts ?? 0 })
      }
    />
  );
}
