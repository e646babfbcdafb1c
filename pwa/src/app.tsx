import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, type GoalRights, type Me as MeRead } from "./api/client";
import { I18n, initialLocale, saveLocale, translator, useI18n, type Locale } from "./i18n";
import type { StoredSession } from "./offline/db";
import { useSync, type SyncState } from "./offline/useSync";
import { Checkins } from "./checkins/Checkins";
import { Feedback } from "./feedback/Feedback";
import { GoalDetail } from "./goals/GoalDetail";
import { Goals } from "./goals/Goals";
import { Plan } from "./goals/Plan";
import { Login } from "./screens/Login";
import { Inbox } from "./screens/Inbox";
import { Me } from "./screens/Me";
import { Outbox } from "./screens/Outbox";
import { Team } from "./screens/Team";
import { Today } from "./screens/Today";
import { lazy } from "./components/lazy";
import { forgetSubscription, resendSubscription } from "./push";
import { authorized, signOut, storedSession, updateStoredProfile } from "./session";
import type { NotificationPage } from "./api/client";

type Tab = "/" | "/goals" | "/checkins" | "/feedback" | "/team" | "/plan" | "/me";
// A tab, one goal (/goals/<id>), what this phone still holds for the server, or the inbox.
// Alerts (/alerts, /alerts/<id>) and HR's alert rules are opened from Today, the inbox or Me;
// the privacy screen and the admins' accounts from Me.
type Route = Tab | `/goals/${string}` | `/alerts/${string}` | "/outbox" | "/inbox" | "/alerts" | "/alert-rules" | "/privacy" | "/accounts";
const TABS: Tab[] = ["/", "/goals", "/checkins", "/feedback", "/team", "/plan", "/me"];
const SCREENS = ["/outbox", "/inbox", "/alerts", "/alert-rules", "/privacy", "/accounts"];
const GOAL_PATH = /^\/goals\/([0-9a-f-]{36})$/;
const ALERT_PATH = /^\/alerts\/([0-9a-f-]{36})$/;

function isScreen(path: string): boolean {
  return GOAL_PATH.test(path) || ALERT_PATH.test(path) || SCREENS.includes(path);
}

function currentRoute(): Route {
  const path = location.pathname;
  if (isScreen(path)) return path as Route;
  return TABS.find((r) => r === path) ?? "/";
}

const Alerts = lazy(async () => (await import("./alerts/Alerts")).Alerts);
const AlertRules = lazy(async () => (await import("./alerts/AlertRules")).AlertRules);
const Privacy = lazy(async () => (await import("./privacy/Privacy")).Privacy);
const Accounts = lazy(async () => (await import("./admin/Accounts")).Accounts);

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener("online", update);
    addEventListener("offline", update);
    return () => {
      removeEventListener("online", update);
      removeEventListener("offline", update);
    };
  }, []);
  return online;
}

export function App() {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const i18n = useMemo(
    () => ({
      locale,
      t: translator(locale),
      setLocale: (l: Locale) => {
        saveLocale(l);
        setLocaleState(l);
      },
    }),
    [locale],
  );
  useEffect(() => saveLocale(locale), []);
  // undefined: still reading the device; null: nobody signed in.
  const [session, setSession] = useState<StoredSession | null | undefined>(undefined);
  const [route, setRoute] = useState<Route>(currentRoute);
  const online = useOnline();
  const sync = useSync(session?.userId);

  useEffect(() => {
    storedSession().then(setSession);
    const onPop = () => setRoute(currentRoute());
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  // When online, bring the saved profile up to date; an ended session signs out.
  useEffect(() => {
    if (!session || !online) return;
    resendSubscription().catch(() => undefined);
    authorized<MeRead>("/api/me").then(
      (me) => void updateStoredProfile(me).then(() => setSession((s) => (s ? { ...s, me } : s))),
      (e) => {
        if (e instanceof ApiError && e.status === 401) void signOut().then(() => setSession(null));
      },
    );
  }, [session?.userId, online]);

  function navigate(to: Route) {
    history.pushState(null, "", to);
    setRoute(to);
  }

  return (
    <I18n.Provider value={i18n}>
      {session === undefined ? null : session === null ? (
        <Login
          online={online}
          onSignedIn={(signedIn) => {
            // Everyone starts on Today, not on the screen the last person left open.
            history.replaceState(null, "", "/");
            setRoute("/");
            setSession(signedIn);
          }}
        />
      ) : (
        <Shell
          session={session}
          route={route}
          online={online}
          sync={sync}
          navigate={navigate}
          onSignOut={() => void forgetSubscription()
              .catch(() => undefined)
              .then(signOut)
              .then(() => setSession(null))}
        />
      )}
    </I18n.Provider>
  );
}

function Shell(props: {
  session: StoredSession;
  route: Route;
  online: boolean;
  sync: SyncState;
  navigate: (to: Route) => void;
  onSignOut: () => void;
}) {
  const { t } = useI18n();
  const { me } = props.session;
  const isManager = me.roles.includes("manager");
  // What this person may set up; the server decides, the app only offers it.
  const [rights, setRights] = useState<GoalRights | null>(null);
  useEffect(() => {
    if (props.online) authorized<GoalRights>("/api/me/goal-rights").then(setRights, () => undefined);
  }, [me.id, props.online]);
  const plans = rights !== null && (rights.plan || rights.department_ids.length > 0);
  const tabs = (
    [
      ["/", t((m) => m.nav.today), true],
      ["/goals", t((m) => m.nav.goals), true],
      ["/checkins", t((m) => m.nav.checkins), true],
      ["/feedback", t((m) => m.nav.feedback), true],
      ["/team", t((m) => m.nav.team), isManager],
      ["/me", t((m) => m.nav.me), true],
    ] as Array<[Tab, string, boolean]>
  ).filter(([, , shown]) => shown);
  // Planning is desktop work: reached from Me, not a tab of its own on the phone.
  const allowed = [...tabs.map(([to]) => to), ...(plans ? (["/plan"] as Tab[]) : [])];
  const goalId = GOAL_PATH.exec(props.route)?.[1];
  const route: Route = isScreen(props.route) || allowed.includes(props.route as Tab) ? props.route : "/";
  const alertId = ALERT_PATH.exec(route)?.[1] ?? null;
  const [unread, setUnread] = useState(0);
  const countUnread = () =>
    authorized<NotificationPage>("/api/me/notifications?limit=1").then((page) => setUnread(page.unread), () => undefined);
  useEffect(() => {
    if (props.online) void countUnread();
  }, [me.id, props.online]);
  const openGoal = (id: string) => props.navigate(`/goals/${id}`);
  const tabOf = goalId ? "/goals" : ["/plan", "/privacy", "/accounts"].includes(route) ? "/me" : route;
  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">{t((m) => m.appName)}</span>
        <span class={`status ${props.online ? "online" : "offline"}`} data-testid="connection">
          {props.online ? t((m) => m.status.online) : t((m) => m.status.offline)}
        </span>
        <SyncStatus sync={props.sync} open={() => props.navigate("/outbox")} />
        <button
          class="link bell"
          data-testid="open-inbox"
          aria-label={t((m) => m.notifications.bell, { count: unread })}
          onClick={() => props.navigate("/inbox")}
        >
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" />
          </svg>
          {unread > 0 && <span class="badge" data-testid="unread">{unread}</span>}
        </button>
      </header>
      {route === "/" && <Today me={me} online={props.online} navigate={props.navigate} />}
      {(route === "/alerts" || alertId) && <Alerts alertId={alertId} online={props.online} meId={me.id} navigate={(path) => props.navigate(path as Route)} />}
      {route === "/alert-rules" && <AlertRules online={props.online} />}
      {route === "/privacy" && <Privacy online={props.online} retention={me.roles.includes("hr") || me.roles.includes("admin")} />}
      {route === "/accounts" && <Accounts online={props.online} />}
      {route === "/checkins" && <Checkins me={me} online={props.online} />}
      {route === "/feedback" && <Feedback userId={me.id} online={props.online} />}
      {route === "/outbox" && <Outbox userId={me.id} />}
      {route === "/inbox" && <Inbox online={props.online} navigate={(path) => props.navigate(path as Route)} onRead={() => void countUnread()} />}
      {route === "/goals" && <Goals userId={me.id} open={openGoal} />}
      {goalId && <GoalDetail key={goalId} userId={me.id} goalId={goalId} isHr={me.roles.includes("hr")} back={() => history.back()} />}
      {route === "/team" && <Team open={openGoal} />}
      {route === "/plan" && rights && <Plan rights={rights} open={openGoal} />}
      {route === "/me" && (
        <Me me={me} rights={rights} plans={plans} openPlan={() => props.navigate("/plan")} openAlertRules={() => props.navigate("/alert-rules")} openPrivacy={() => props.navigate("/privacy")} openAccounts={() => props.navigate("/accounts")} online={props.online} unsynced={props.sync.waiting + props.sync.attention} onSignOut={props.onSignOut} />
      )}
      <nav class="tabs">
        {tabs.map(([to, label]) => (
          <a
            key={to}
            href={to}
            data-testid={`tab-${to === "/" ? "today" : to.slice(1)}`}
            aria-current={tabOf === to ? "page" : undefined}
            onClick={(e) => {
              e.preventDefault();
              props.navigate(to);
            }}
          >
            {label}
          </a>
        ))}
      </nav>
    </div>
  );
}

/** Always visible: N waiting, N needing attention (a tap opens them), when last synced. */
function SyncStatus({ sync, open }: { sync: SyncState; open: () => void }) {
  const { t, locale } = useI18n();
  const time = new Intl.DateTimeFormat(locale, { timeStyle: "short" });
  return (
    <button class="link sync-status" onClick={open} data-testid="sync-status">
      {sync.attention > 0 && (
        <span class="error" data-testid="attention">
          {t((m) => m.status.attention, { count: sync.attention })}
        </span>
      )}
      <span class="muted" data-testid="unsynced">
        {sync.waiting > 0 ? t((m) => m.status.unsynced, { count: sync.waiting }) : t((m) => m.status.allSynced)}
      </span>
      {sync.lastSyncedAt && (
        <span class="muted" data-testid="last-synced">
          {t((m) => m.status.lastSynced, { time: time.format(new Date(sync.lastSyncedAt)) })}
        </span>
      )}
    </button>
  );
}
