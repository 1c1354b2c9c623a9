/** The signed-in session, kept in uni storage (localStorage in H5, wx storage in the mini-program). */
import { reactive } from "vue";
import type { components } from "../api/schema";

export type Me = components["schemas"]["Me"];
export type MyStore = components["schemas"]["MyStore"];

const KEYS = { tenant: "pms.tenant", origin: "pms.origin", access: "pms.access", refresh: "pms.refresh", store: "pms.store" } as const;

function read(key: string): string {
  try {
    const v = uni.getStorageSync(key);
    return typeof v === "string" ? v : "";
  } catch {
    return "";
  }
}

export const session = reactive({
  tenant: read(KEYS.tenant) || import.meta.env.VITE_PMS_TENANT || "",
  origin: read(KEYS.origin),
  access: read(KEYS.access),
  refresh: read(KEYS.refresh),
  /** The store the app shows ("all" only on the overview). */
  storeId: Number(read(KEYS.store)) || 0,
  me: null as Me | null,
});

export function setTenant(tenant: string, origin = "") {
  session.tenant = tenant;
  session.origin = origin;
  uni.setStorageSync(KEYS.tenant, tenant);
  uni.setStorageSync(KEYS.origin, origin);
}

export function saveTokens(pair: { access: string; refresh: string }) {
  session.access = pair.access;
  session.refresh = pair.refresh;
  uni.setStorageSync(KEYS.access, pair.access);
  uni.setStorageSync(KEYS.refresh, pair.refresh);
}

export function setStore(id: number) {
  session.storeId = id;
  uni.setStorageSync(KEYS.store, String(id));
}

export function clearSession() {
  session.access = "";
  session.refresh = "";
  session.me = null;
  uni.removeStorageSync(KEYS.access);
  uni.removeStorageSync(KEYS.refresh);
}

export const signedIn = () => Boolean(session.access || session.refresh);

export function currentStore(): MyStore | undefined {
  return session.me?.stores.find((s) => s.id === session.storeId);
}

/** Revenue figures are for managers (the API answers 403 manager_only otherwise). */
export function canManage(): boolean {
  return Boolean(currentStore()?.can_manage);
}
export function managesAny(): boolean {
  return Boolean(session.me?.stores.some((s) => s.can_manage));
}
