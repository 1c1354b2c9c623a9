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
    const headers: Record<string, string> = { "Accept-Language": this.language, "Content-Type": "application/json" };
    if (this.tokens) headers["Authorization"] = `${this.tokens.token_type} ${this.tokens.access}`;
    const response = await this.send(method, this.base + path, body ?? null, headers);
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
  }
}
