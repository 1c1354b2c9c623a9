/** What the pages share: the user and their stores, store switching, the reminders' poller and badge. */
import { reactive } from "vue";
import { api, ApiError, setSessionLostHandler } from "../api/http";
import type { components } from "../api/schema";
import { session, setStore, clearSession, saveTokens, setTenant } from "./session";
import { applyTabLabels, t } from "./i18n";

export type ReminderEvent = components["schemas"]["MobileReminderEvent"];

export const REMINDERS_TAB = 3;
const POLL_MS = Number(import.meta.env.VITE_PMS_POLL_MS) || 15000;

const SEEN_KEY = "pms.reminders_seen";
export const reminders = reactive({
  events: [] as ReminderEvent[],
  cursor: "",
  unread: 0,
  polling: false,
  /** The newest event id the user has seen (kept across launches: what came since is new). */
  seen: Number(uni.getStorageSync(SEEN_KEY)) || 0,
});

export function toastError(e: unknown) {
  const message = e instanceof ApiError ? e.detail : String((e as Error)?.message || e);
  uni.showToast({ title: message, icon: "none", duration: 3000 });
}

export function goLogin() {
  stopPolling();
  uni.reLaunch({ url: "/pages/login/login" });
}
setSessionLostHandler(goLogin);

export async function loadMe() {
  const me = await api.get("/api/v1/me/", {});
  session.me = me;
  const ids = me.stores.map((s) => s.id);
  if (!ids.includes(session.storeId)) setStore(me.current_store_id && ids.includes(me.current_store_id) ? me.current_store_id : ids[0] || 0);
  return me;
}

export async function ensureMe() {
  if (!session.me) await loadMe();
  return session.me!;
}

export async function switchStore(storeId: number) {
  const me = await api.put("/api/v1/me/current-store/", { body: { store_id: storeId } });
  session.me = me;
  setStore(storeId);
}

/** After a log-in: keep the pair, read the user, open the first tab the role may see. */
export async function afterLogin(pair: { access: string; refresh: string }) {
  saveTokens(pair);
  reminders.events = [];
  reminders.cursor = "";
  reminders.unread = 0;
  reminders.seen = Number(uni.getStorageSync(SEEN_KEY)) || 0;
  await loadMe();
  uni.switchTab({ url: "/pages/overview/overview" });
}

/** The `device_id` this device got at its last log-in as this user: sent with the next one,
 * so strangers' failed guesses on the user name do not lock this device out (docs/api.md). */
function deviceIdKey(tenant: string, username: string): string {
  return `pms.device.${tenant}.${username.trim().toLowerCase()}`;
}

export async function passwordLogin(tenant: string, username: string, password: string) {
  setTenant(tenant, session.origin);
  const known = (uni.getStorageSync(deviceIdKey(tenant, username)) as string) || "";
  const pair = await api.post("/api/v1/auth/login/", {
    body: {
      username, password, device: { device_type: deviceType(), app_version: "0.1.0" },
      ...(known ? { device_id: known } : {}),
    },
  });
  if (pair.device_id) uni.setStorageSync(deviceIdKey(tenant, username), pair.device_id);
  await afterLogin(pair);
}

export function deviceType(): "wechat_mp" | "h5" {
  // #ifdef MP-WEIXIN
  return "wechat_mp";
  // #endif
  // #ifndef MP-WEIXIN
  return "h5";
  // #endif
}

/** A `wx.login` code. In H5 builds made with VITE_PMS_FAKE_WECHAT=1 a code of the development
 * fake code2Session client (`fake-<device>~<n>`, openid `o-<device>`); otherwise none. */
export function wechatCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    // #ifdef MP-WEIXIN
    uni.login({ provider: "weixin", success: (r) => resolve(r.code), fail: (e) => reject(new Error(e.errMsg)) });
    // #endif
    // #ifndef MP-WEIXIN
    if (import.meta.env.VITE_PMS_FAKE_WECHAT === "1") {
      let device = uni.getStorageSync("pms.fake_device") as string;
      if (!device) {
        device = "h5" + Math.random().toString(36).slice(2, 10);
        uni.setStorageSync("pms.fake_device", device);
      }
      resolve(`fake-${device}~${Date.now()}`);
    } else {
      reject(new Error("WeChat log-in is only in the mini-program"));
    }
    // #endif
  });
}
export const wechatAvailable = (): boolean => {
  // #ifdef MP-WEIXIN
  return true;
  // #endif
  // #ifndef MP-WEIXIN
  return import.meta.env.VITE_PMS_FAKE_WECHAT === "1";
  // #endif
};

export async function wechatLogin(tenant: string) {
  setTenant(tenant, session.origin);
  const code = await wechatCode();
  const pair = await api.post("/api/v1/auth/wechat/login/", { body: { code } });
  await afterLogin(pair);
}

export async function wechatBind() {
  const code = await wechatCode();
  return api.post("/api/v1/auth/wechat/bind/", { body: { code } });
}

export async function logout() {
  try {
    await api.post("/api/v1/auth/logout/", {});
  } catch {
    /* logged out anyway */
  }
  clearSession();
  goLogin();
}

function setBadge() {
  if (reminders.unread > 0) uni.setTabBarBadge({ index: REMINDERS_TAB, text: String(Math.min(reminders.unread, 99)), fail: () => undefined });
  else uni.removeTabBarBadge({ index: REMINDERS_TAB, fail: () => undefined });
}

/** One poll of `m/reminders/` from the cursor (and again at once while `has_more`). */
export async function pollReminders() {
  if (!session.access && !session.refresh) return;
  const first = !reminders.cursor;
  for (let page = 0; page < 5; page++) {
    const out = await api.get("/api/v1/m/reminders/", { query: { store: "all", cursor: reminders.cursor || undefined } });
    reminders.cursor = out.next_cursor;
    if (out.events.length) {
      const seen = new Set(reminders.events.map((e) => e.id));
      const fresh = out.events.filter((e) => !seen.has(e.id));
      reminders.events = [...fresh.reverse(), ...reminders.events].slice(0, 200);
      // The first poll's history is new only past what was seen at an earlier launch.
      reminders.unread += first ? fresh.filter((e) => reminders.seen && e.id > reminders.seen).length : fresh.length;
    }
    if (!out.has_more) break;
  }
  setBadge();
}

export function markRemindersRead() {
  reminders.unread = 0;
  const newest = reminders.events.reduce((max, e) => Math.max(max, e.id), reminders.seen);
  reminders.seen = newest;
  uni.setStorageSync(SEEN_KEY, String(newest));
  setBadge();
}

let timer: ReturnType<typeof setInterval> | null = null;
export function startPolling() {
  if (timer) return;
  reminders.polling = true;
  // The first poll waits for the first screen's own requests (the reminders page polls on show).
  setTimeout(() => { if (timer) pollReminders().catch(() => undefined); }, 1000);
  timer = setInterval(() => pollReminders().catch(() => undefined), POLL_MS);
}
export function stopPolling() {
  if (timer) clearInterval(timer);
  timer = null;
  reminders.polling = false;
}

export function refreshTabs() {
  applyTabLabels();
  setBadge();
}

export function statusLabel(status: string) {
  return t("status." + status);
}
