import type { GoalRights, Me as MeRead } from "../api/client";
import { useI18n } from "../i18n";
import { Integrations } from "./Integrations";
import { LanguageSelect } from "./LanguageSelect";
import { PushSetting } from "./PushSetting";

export function Me({
  me,
  rights,
  plans,
  openPlan,
  openAlertRules,
  openPrivacy,
  openAccounts,
  online,
  unsynced,
  onSignOut,
}: {
  me: MeRead;
  rights: GoalRights | null;
  plans: boolean;
  openPlan: () => void;
  openAlertRules: () => void;
  openPrivacy: () => void;
  openAccounts: () => void;
  online: boolean;
  unsynced: number;
  onSignOut: () => void;
}) {
  const { t } = useI18n();

  function signOut() {
    if (unsynced > 0 && !confirm(t((m) => m.me.signOutUnsynced, { count: unsynced }))) return;
    onSignOut();
  }

  return (
    <main class="screen">
      <h1>{me.display_name}</h1>
      <p class="muted">{me.email}</p>
      <LanguageSelect />
      <PushSetting />
      {plans && (
        <button class="quiet wide" onClick={openPlan} data-testid="open-plan">
          {t((m) => m.plan.title)}
        </button>
      )}
      {me.roles.includes("hr") && (
        <button class="quiet wide" onClick={openAlertRules} data-testid="open-alert-rules">
          {t((m) => m.alerts.rulesTitle)}
        </button>
      )}
      <button class="quiet wide" onClick={openPrivacy} data-testid="open-privacy">
        {t((m) => m.me.privacy)}
      </button>
      {me.roles.includes("admin") && (
        <button class="quiet wide" onClick={openAccounts} data-testid="open-accounts">
          {t((m) => m.accounts.title)}
        </button>
      )}
      {online && rights?.integrations && <Integrations />}
      <button data-testid="sign-out" class="secondary" onClick={signOut}>
        {t((m) => m.me.signOut)}
      </button>
    </main>
  );
}
