// HR: how many of the people they cover are on time with their check-ins, by department.
import type { Coverage as CoverageRead } from "../api/client";
import { DepartmentFigures } from "../components/DepartmentFigures";
import { useI18n } from "../i18n";

export function Coverage({ online }: { online: boolean }) {
  const { t } = useI18n();
  return (
    <DepartmentFigures<CoverageRead["groups"][number]>
      online={online}
      path="/api/checkin-coverage"
      title={t((m) => m.coverage.title)}
      needsNetwork={t((m) => m.coverage.needsNetwork)}
      testId="coverage"
      describe={(group) =>
        group.on_time === null ? null : t((m) => m.coverage.figures, { onTime: group.on_time, due: group.due ?? 0, overdue: group.overdue ?? 0, never: group.never ?? 0 })
      }
    />
  );
}
