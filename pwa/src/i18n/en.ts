// English catalog. Its shape is the contract: zh-CN.ts must provide every key (tsc checks).
export const en = {
  appName: "Tandem",
  nav: { today: "Today", team: "Team", me: "Me" },
  login: {
    title: "Sign in to Tandem",
    subtitle: "Goals, check-ins and feedback, together with your manager.",
    email: "Work email",
    password: "Password",
    submit: "Sign in",
    submitting: "Signing in…",
    needsNetwork: "You are offline. Signing in needs a connection the first time.",
  },
  status: {
    online: "Online",
    offline: "Offline",
    unsynced: "{count} waiting to sync",
    allSynced: "Everything is synced",
  },
  today: {
    greeting: "Hello, {name}",
    offlineNote: "You are offline. What you see was saved on this phone; new entries will sync when you are back online.",
  },
  team: {
    title: "My team",
    empty: "Nobody reports to you yet.",
  },
  me: {
    title: "Me",
    language: "Language",
    signOut: "Sign out",
    signOutUnsynced:
      "Not sent yet from this phone: {count}. If you sign out now, they stay here and are sent the next time you sign in on this phone. Sign out anyway?",
    accessLogTitle: "Who viewed my data",
    accessLogEmpty: "Nobody has viewed your records yet.",
    accessLogNeedsNetwork: "Connect to the network to see who viewed your data.",
    viewedAs: "{viewer} viewed your {kind} as {relation}",
  },
  recordKind: { profile: "profile" },
  relation: {
    self: "yourself",
    direct_manager: "your manager",
    skip_manager: "a manager above your manager",
    hr_scope: "HR",
    peer: "a colleague",
  },
  errors: {
    invalid_credentials: "The email or the password is not right.",
    too_many_attempts: "Too many attempts. Please wait a few minutes and try again.",
    account_disabled: "This account has been disabled. Please ask your HR team.",
    session_expired: "Your session has ended. Please sign in again.",
    refresh_token_reused: "For your safety this sign-in was ended. Please sign in again.",
    validation_failed: "Please check the highlighted fields.",
    network: "No connection to the server. Please try again.",
    internal_error: "Something went wrong on our side. Please try again.",
    unknown: "Something went wrong. Please try again.",
  },
};

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Messages = Widen<typeof en>;
