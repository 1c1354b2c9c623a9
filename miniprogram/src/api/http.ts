/**
 * The API client over `uni.request` (mini-programs have no fetch, Headers or URLSearchParams).
 *
 * Paths, parameters, bodies and answers are typed by `schema.d.ts`, generated from the
 * server's OpenAPI schema by openapi-typescript (`npm run schema`): a schema change that
 * breaks a call fails `vue-tsc --noEmit`.
 *
 * Rules from docs/api.md:
 * - a 401 `authentication_failed` triggers one refresh at a time (refresh tokens rotate and
 *   a second exchange of the same token revokes the whole log-in); requests that failed
 *   with an access token that has been replaced since are retried with the new one;
 * - every POST carries an `Idempotency-Key`, the same one through its retries;
 * - a 503 is retried after its `Retry-After` (seconds, at most 3 times);
 * - errors show the API's `detail` (zh-Hans, or English with `Accept-Language: en`).
 */
import type { paths } from "./schema";
import { session, saveTokens, clearSession } from "../lib/session";
import { apiLanguage, t } from "../lib/i18n";

export type Method = "get" | "post" | "put" | "delete";
type Defined<T> = Exclude<T, undefined>;
/** Schema paths that have method M. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: [Defined<paths[P][M & keyof paths[P]]>] extends [never] ? never : P;
}[keyof paths];
export type Op<P extends keyof paths, M extends Method> = Defined<paths[P][M & keyof paths[P]]>;

type PathPart<O> = O extends { parameters: { path: infer X } } ? { path: X } : { path?: undefined };
type QueryPart<O> = O extends { parameters: { query?: infer Q } } ? { query?: Defined<Q> } : {};
type BodyPart<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? { body: B }
  : O extends { requestBody?: { content: { "application/json": infer B } } }
    ? { body?: B }
    : {};
export type Options<O> = PathPart<O> & QueryPart<O> & BodyPart<O>;
type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : void;
export type Answer<O> = O extends { responses: infer R }
  ? 200 extends keyof R ? JsonOf<R[200]> : 201 extends keyof R ? JsonOf<R[201]> : void
  : never;

export interface ApiErrorBody { detail: string; code: string; extra?: Record<string, unknown> }

export class ApiError extends Error {
  constructor(public status: number, public code: string, public detail: string, public extra: Record<string, unknown> = {}) {
    super(detail);
  }
}

interface RawResponse { statusCode: number; data: unknown; header: Record<string, string> }

/** Where the API lives: same origin in H5 (served with the back office or proxied), configured for mp-weixin. */
export function apiOrigin(): string {
  return session.origin || import.meta.env.VITE_PMS_API_ORIGIN || "";
}

function uuid4(): string {
  // RFC 4122 version 4 from Math.random (keys only need to be unique per client and operation).
  const hex = "0123456789abcdef";
  let out = "";
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) out += "-";
    else if (i === 14) out += "4";
    else if (i === 19) out += hex[8 + Math.floor(Math.random() * 4)];
    else out += hex[Math.floor(Math.random() * 16)];
  }
  return out;
}

function buildUrl(path: string, params?: Record<string, unknown>, query?: Record<string, unknown>): string {
  let url = path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(String(params?.[name])));
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === "") continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  if (parts.length) url += `?${parts.join("&")}`;
  return `${apiOrigin()}/t/${encodeURIComponent(session.tenant)}${url}`;
}

function send(method: Method, url: string, header: Record<string, string>, body?: unknown): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    uni.request({
      url,
      method: method.toUpperCase() as "GET" | "POST" | "PUT" | "DELETE",
      header,
      data: body === undefined ? undefined : JSON.stringify(body),
      dataType: "json",
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data, header: (res.header || {}) as Record<string, string> }),
      fail: (err) => reject(new ApiError(0, "network_error", t("error.network") + (err && err.errMsg ? ` (${err.errMsg})` : ""))),
    });
  });
}

function headerValue(header: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const k of Object.keys(header)) if (k.toLowerCase() === wanted) return header[k];
  return undefined;
}

function toError(res: RawResponse): ApiError {
  const body = (typeof res.data === "object" && res.data) ? res.data as Partial<ApiErrorBody> : {};
  return new ApiError(res.statusCode, body.code || "http_" + res.statusCode, body.detail || `HTTP ${res.statusCode}`, body.extra || {});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const MAX_503_RETRIES = 3;

/** One refresh at a time: every 401 while it runs waits for the same promise. */
let refreshing: Promise<void> | null = null;
/** Counted for the tests and the bench (exposed on globalThis in H5). */
export const stats = { refreshes: 0, retries503: 0 };

function refreshOnce(): Promise<void> {
  if (!refreshing) {
    refreshing = (async () => {
      stats.refreshes += 1;
      const refresh = session.refresh;
      if (!refresh) throw new ApiError(401, "not_authenticated", t("error.session_expired"));
      const res = await send("post", buildUrl("/api/v1/auth/refresh/"), baseHeaders("post", uuid4(), false), { refresh });
      if (res.statusCode !== 200) {
        clearSession();
        throw toError(res);
      }
      saveTokens(res.data as { access: string; refresh: string; access_expires_at: string; refresh_expires_at: string });
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

function baseHeaders(method: Method, idempotencyKey: string | null, auth: boolean): Record<string, string> {
  const header: Record<string, string> = { Accept: "application/json", "Accept-Language": apiLanguage() };
  if (method !== "get") header["Content-Type"] = "application/json";
  if (idempotencyKey) header["Idempotency-Key"] = idempotencyKey;
  if (auth && session.access) header.Authorization = `Bearer ${session.access}`;
  return header;
}

const AUTH_PATHS = ["/api/v1/auth/login/", "/api/v1/auth/refresh/", "/api/v1/auth/wechat/login/"];

/** Call `method path` with typed options; resolves with the typed answer, rejects with ApiError. */
export function call<M extends Method, P extends PathsWith<M>>(
  method: M, path: P, options: Options<Op<P, M>>,
): Promise<Answer<Op<P, M>>>;
// The body works on the untyped shapes: resolving Options<Op<P, M>> inside it makes TypeScript
// expand the union over every path of the schema, which outgrows its limit (TS2590).
export async function call(method: Method, path: string, options: object): Promise<unknown> {
  const opts = options as { path?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
  const url = buildUrl(path as string, opts.path, opts.query);
  const key = method === "post" ? uuid4() : null;
  const auth = !AUTH_PATHS.includes(path as string);
  let refreshed = false;
  for (let attempt = 0; ; attempt++) {
    const usedAccess = session.access;
    const res = await send(method, url, baseHeaders(method, key, auth), opts.body);
    if (res.statusCode >= 200 && res.statusCode < 300) return (res.statusCode === 204 ? undefined : res.data);
    if (res.statusCode === 503 && attempt < MAX_503_RETRIES) {
      const after = Number(headerValue(res.header, "Retry-After"));
      stats.retries503 += 1;
      await sleep(Math.min(Number.isFinite(after) && after >= 0 ? after : 1, 30) * 1000);
      continue;
    }
    const error = toError(res);
    if (res.statusCode === 401 && auth && !refreshed && session.refresh && error.code === "authentication_failed") {
      refreshed = true;
      // Another request may have refreshed the pair since this one was sent: just retry.
      if (session.access === usedAccess) {
        try {
          await refreshOnce();
        } catch (e) {
          onSessionLost();
          throw e;
        }
      }
      continue;
    }
    if (res.statusCode === 401 && auth) onSessionLost();
    throw error;
  }
}

let sessionLostHandler: () => void = () => undefined;
export function setSessionLostHandler(fn: () => void) { sessionLostHandler = fn; }
function onSessionLost() { clearSession(); sessionLostHandler(); }

export const api = {
  get: <P extends PathsWith<"get">>(path: P, options: Options<Op<P, "get">>) => call("get", path, options),
  post: <P extends PathsWith<"post">>(path: P, options: Options<Op<P, "post">>) => call("post", path, options),
  put: <P extends PathsWith<"put">>(path: P, options: Options<Op<P, "put">>) => call("put", path, options),
};
