import type { Messages } from "./en";

export const zhCN: Messages = {
  appName: "同行",
  nav: { today: "今天", team: "团队", me: "我的" },
  login: {
    title: "登录同行",
    subtitle: "和你的经理一起，把目标、沟通和反馈放在一处。",
    email: "工作邮箱",
    password: "密码",
    submit: "登录",
    submitting: "正在登录…",
    needsNetwork: "当前没有网络。首次登录需要联网。",
  },
  status: {
    online: "在线",
    offline: "离线",
    unsynced: "{count} 条待同步",
    allSynced: "已全部同步",
  },
  today: {
    greeting: "{name}，你好",
    offlineNote: "当前离线。你看到的是保存在本机的内容，新的记录会在联网后自动同步。",
  },
  team: {
    title: "我的团队",
    empty: "目前还没有直属下属。",
  },
  me: {
    title: "我的",
    language: "语言",
    signOut: "退出登录",
    signOutUnsynced: "本机还有 {count} 条记录没有发送。现在退出的话，它们会保留在本机，下次你在这台手机登录后再发送。仍要退出吗？",
    accessLogTitle: "谁查看了我的数据",
    accessLogEmpty: "还没有人查看过你的记录。",
    accessLogNeedsNetwork: "联网后可以查看谁看过你的数据。",
    viewedAs: "{viewer}（{relation}）查看了你的{kind}",
  },
  recordKind: { profile: "个人资料" },
  relation: {
    self: "本人",
    direct_manager: "直属经理",
    skip_manager: "上级经理",
    hr_scope: "HR",
    peer: "同事",
  },
  errors: {
    invalid_credentials: "邮箱或密码不正确。",
    too_many_attempts: "尝试次数过多，请几分钟后再试。",
    account_disabled: "该账号已停用，请联系 HR。",
    session_expired: "登录已失效，请重新登录。",
    refresh_token_reused: "为了安全，本次登录已结束，请重新登录。",
    validation_failed: "请检查标出的内容。",
    network: "无法连接服务器，请稍后再试。",
    internal_error: "服务器出了点问题，请稍后再试。",
    unknown: "出了点问题，请再试一次。",
  },
};
