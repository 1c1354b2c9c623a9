/**
 * A small typed client of the owner app's API, written against the types that
 * openapi-typescript generates from our OpenAPI schema (schema.d.ts). `tsc --noEmit`
 * on this file is the contract check: if the schema drops or renames a field the
 * mini-program relies on, this stops compiling. Run by apps/tenancy/tests/test_contract.py.
 */
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
type Json<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];

export type LoginBody = Json<"/api/v1/auth/login/", "post"> extends {
  requestBody: { content: { "application/json": infer B } };
}
  ? B
  : never;
export type TokenPair = Json<"/api/v1/auth/login/", "post">["responses"][200]["content"]["application/json"];
export type ApiError = Json<"/api/v1/auth/login/", "post">["responses"][429]["content"]["application/json"];
export type Me = Json<"/api/v1/me/", "get">["responses"][200]["content"]["application/json"];
export type MyStores = Json<"/api/v1/stores/", "get">["responses"][200]["content"]["application/json"];
export type Binding = Json<"/api/v1/auth/wechat/bind/", "post">["responses"][200]["content"]["application/json"];

// The owner's app (tag "mobile", docs/mobile_api.md).
type Ok<P extends keyof paths, M extends keyof paths[P]> = Json<P, M> extends { responses: { 200: { content: { "application/json": infer R } } } } ? R : never;
type Query<P extends keyof paths, M extends keyof paths[P]> = Json<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
export type RoomStatus = Ok<"/api/v1/stores/{store_id}/m/room-status/", "get">;
export type RoomStatusQuery = Query<"/api/v1/stores/{store_id}/m/room-status/", "get">;
export type Today = Ok<"/api/v1/stores/{store_id}/m/today/", "get">;
export type DeskOrder = Ok<"/api/v1/stores/{store_id}/m/orders/{order_id}/check-in/", "post">;
export type CheckInBody = Schemas["MobileCheckInInRequest"];
export type CheckOutBody = Schemas["MobileCheckOutInRequest"];
export type HousekeepingStatus = Schemas["HousekeepingEnum"];
export type RoomCard = Ok<"/api/v1/stores/{store_id}/m/rooms/{room_id}/housekeeping/", "post">;
export type Reminders = Ok<"/api/v1/m/reminders/", "get">;
export type RemindersQuery = Query<"/api/v1/m/reminders/", "get">;
export type Overview = Ok<"/api/v1/m/overview/", "get">;
export type OverviewQuery = Query<"/api/v1/m/overview/", "get">;
export type Period = Overview["total"]["today"];

/** What `wx.request` gives back (it resolves for every HTTP status). */
export interface RawResponse {
  statusCode: number;
  data: unknown;
  header: Record<string, string>;
}
export type Transport = (method: "GET" | "POST" | "PUT" | "DELETE", url: string, body: unknown, headers: Record<string, string>) => Promise<RawResponse>;

export class ApiFailure extends Error {
  constructor(public readonly status: number, public readonly error: ApiError) {
    super(`${status} ${error.code}: ${error.detail}`);
  }
  /** Seconds to wait after a 429, from the error body. */
  get retryAfterSeconds(): number | undefined {
    return this.error.extra.retry_after_s;
  }
}

export class OwnerApi {
  private tokens: TokenPair | null = null;

  constructor(private readonly base: string, private readonly send: Transport, private readonly language = "zh-Hans") {}

  private async call<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: keyof paths, body?: unknown): Promise<T> {
    return this.request<T>(method, path, {}, {}, body);
  }

  /** ``path`` with its ``{name}`` parameters filled in and ``query`` appended. */
  private async request<T>(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: keyof paths,
    params: Record<string, number>,
    query: Record<string, string | number | undefined>,
    body?: unknown,
  ): Promise<T> {
    const headers: Record<string, string> = { "Accept-Language": this.language, "Content-Type": "application/json" };
    if (this.tokens) headers["Authorization"] = `${this.tokens.token_type} ${this.tokens.access}`;
    let url = String(path).replace(/\{(\w+)\}/g, (_m, name: string) => String(params[name]));
    const pairs = Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
    if (pairs.length) url += `?${pairs.join("&")}`;
    const response = await this.send(method, this.base + url, body ?? null, headers);
    if (response.statusCode >= 400) throw new ApiFailure(response.statusCode, response.data as ApiError);
    return response.data as T;
  }

  async login(username: string, password: string): Promise<TokenPair["user"]> {
    const body: LoginBody = { username, password, device: { device_type: "wechat_mp", app_version: "1.0.0" } };
    this.tokens = await this.call<TokenPair>("POST", "/api/v1/auth/login/", body);
    return this.tokens.user;
  }

  async refresh(): Promise<void> {
    if (!this.tokens) throw new Error("not logged in");
    const body: Schemas["RefreshInRequest"] = { refresh: this.tokens.refresh };
    this.tokens = await this.call<TokenPair>("POST", "/api/v1/auth/refresh/", body);
  }

  async wechatLogin(code: string): Promise<TokenPair["user"]> {
    const body: Schemas["WeChatLoginInRequest"] = { code };
    this.tokens = await this.call<TokenPair>("POST", "/api/v1/auth/wechat/login/", body);
    return this.tokens.user;
  }

  bindWeChat(code: string): Promise<Binding> {
    return this.call<Binding>("POST", "/api/v1/auth/wechat/bind/", { code });
  }

  me(): Promise<Me> {
    return this.call<Me>("GET", "/api/v1/me/");
  }

  async managedStoreNames(): Promise<string[]> {
    const stores = await this.call<MyStores>("GET", "/api/v1/stores/");
    return stores.filter((s) => s.can_manage).map((s) => `${s.name} (${s.code})`);
  }

  async switchStore(storeId: number): Promise<number | null> {
    const me = await this.call<Me>("PUT", "/api/v1/me/current-store/", { store_id: storeId });
    return me.current_store_id;
  }

  async logout(): Promise<void> {
    await this.call<void>("POST", "/api/v1/auth/logout/");
    this.tokens = null;
  }

  // --- the owner's app --------------------------------------------------------------

  roomStatus(storeId: number, query: RoomStatusQuery = {}): Promise<RoomStatus> {
    return this.request<RoomStatus>("GET", "/api/v1/stores/{store_id}/m/room-status/", { store_id: storeId }, query);
  }

  today(storeId: number, date?: string): Promise<Today> {
    return this.request<Today>("GET", "/api/v1/stores/{store_id}/m/today/", { store_id: storeId }, { date });
  }

  checkIn(storeId: number, orderId: number, room?: number): Promise<DeskOrder> {
    const body: CheckInBody = room === undefined ? {} : { room };
    return this.request<DeskOrder>("POST", "/api/v1/stores/{store_id}/m/orders/{order_id}/check-in/", { store_id: storeId, order_id: orderId }, {}, body);
  }

  /** ``overrideReason``: managers only, when the bill is not settled (409 ``folio_balance_not_zero`` otherwise). */
  checkOut(storeId: number, orderId: number, overrideReason?: string): Promise<DeskOrder> {
    const body: CheckOutBody = overrideReason === undefined ? {} : { override_reason: overrideReason };
    return this.request<DeskOrder>("POST", "/api/v1/stores/{store_id}/m/orders/{order_id}/check-out/", { store_id: storeId, order_id: orderId }, {}, body);
  }

  setHousekeeping(storeId: number, roomId: number, status: HousekeepingStatus): Promise<RoomCard> {
    return this.request<RoomCard>("POST", "/api/v1/stores/{store_id}/m/rooms/{room_id}/housekeeping/", { store_id: storeId, room_id: roomId }, {}, { status });
  }

  /** One poll: keep ``next_cursor`` and send it back next time; poll again at once while ``has_more``. */
  reminders(query: RemindersQuery = {}): Promise<Reminders> {
    return this.request<Reminders>("GET", "/api/v1/m/reminders/", {}, query);
  }

  overview(query: OverviewQuery = {}): Promise<Overview> {
    return this.request<Overview>("GET", "/api/v1/m/overview/", {}, query);
  }

  /** Access token expiry as a Date (ISO 8601 with offset in the API). */
  accessExpiresAt(): Date | null {
    return this.tokens ? new Date(this.tokens.access_expires_at) : null;
  }
}

export function roleLabel(role: Me["role"]): string {
  switch (role) {
    case "tenant_admin":
      return "管理员";
    case "store_manager":
      return "店长";
    case "front_desk":
      return "前台";
    case "housekeeping":
      return "客房";
  }
}

/** One line per room for a list view: "101 山景大床房 OOVV (dirty)". */
export function roomLines(status: RoomStatus): string[] {
  const types = new Map(status.room_types.map((t) => [t.id, t.name] as const));
  return status.rooms.map((r) => `${r.number} ${types.get(r.room_type_id) ?? ""} ${r.states}${r.housekeeping === "clean" ? "" : ` (${r.housekeeping})`}`);
}

/** Occupancy as a percentage string, or "—" when the store had no room to sell. */
export function occupancyLabel(period: Period): string {
  return period.occupancy === null ? "—" : `${(Number(period.occupancy) * 100).toFixed(1)}%`;
}

/** Net money taken per payment method, for the overview card. */
export function collectionsLine(period: Period): string {
  return period.collections.by_method.map((m) => `${m.name} ¥${m.net}`).join(" · ") || `¥${period.collections.total.net}`;
}

/** Poll reminders once, following ``has_more``; returns the new events and the cursor to keep. */
export async function pollReminders(api: OwnerApi, cursor: string | undefined): Promise<{ events: Reminders["events"]; cursor: string }> {
  const events: Reminders["events"] = [];
  let page = await api.reminders(cursor === undefined ? {} : { cursor });
  events.push(...page.events);
  while (page.has_more) {
    page = await api.reminders({ cursor: page.next_cursor });
    events.push(...page.events);
  }
  return { events, cursor: page.next_cursor };
}

export function arrivalsSummary(today: Today): string {
  const arriving = today.arrivals.map((a) => `${a.guest_name} ${a.room_number ?? a.room_type_name}${a.overdue ? " !" : ""}`);
  return `${today.counts.arrivals}: ${arriving.join(", ")}`;
}

export function describeReminder(event: Reminders["events"][number]): string {
  const order = event.order;
  return `[${event.store_name}] ${event.summary} (${order.code}, ${order.status})`;
}
