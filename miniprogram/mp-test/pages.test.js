/**
 * Renders every page of the mp-weixin build (dist/build/mp-weixin) with miniprogram-simulate
 * (Tencent's WXML compiler from npm, j-component in jsdom) and loads the overview, room
 * status and today from the live API of the test suite through a `wx.request` made of
 * Node's http module. WeChat itself (devtools, a phone) cannot run here.
 *
 * Environment: PMS_API_ORIGIN, PMS_TENANT, PMS_USERNAME, PMS_PASSWORD, PMS_EXPECT_REVENUE,
 * PMS_EXPECT_ROOMS (comma-separated room numbers).
 */
const fs = require("fs");
const http = require("http");
const path = require("path");
const simulate = require("miniprogram-simulate");

const ROOT = path.resolve(__dirname, "../dist/build/mp-weixin");
const API = process.env.PMS_API_ORIGIN;
const app = JSON.parse(fs.readFileSync(path.join(ROOT, "app.json"), "utf8"));
const PAGES = [...app.pages, ...(app.subPackages || []).flatMap((s) => s.pages.map((p) => `${s.root}/${p}`))];

const storage = { "pms.tenant": process.env.PMS_TENANT, "pms.origin": API };
const calls = [];
const navigations = [];

function request(opts) {
  const url = new URL(opts.url);
  if (url.origin !== API) throw new Error(`request to another host: ${opts.url}`);
  calls.push(`${opts.method || "GET"} ${url.pathname}`);
  const body = opts.data === undefined ? undefined : typeof opts.data === "string" ? opts.data : JSON.stringify(opts.data);
  const headers = { ...(opts.header || {}) };
  if (body !== undefined) headers["Content-Length"] = Buffer.byteLength(body);
  const req = http.request(url, { method: opts.method || "GET", headers }, (res) => {
    const chunks = [];
    res.on("data", (c) => chunks.push(c));
    res.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let data = text;
      try { data = text ? JSON.parse(text) : ""; } catch (e) { /* not JSON */ }
      opts.success && opts.success({ statusCode: res.statusCode, data, header: res.headers });
      opts.complete && opts.complete({});
    });
  });
  req.on("error", (err) => { opts.fail && opts.fail({ errMsg: String(err) }); });
  if (body !== undefined) req.write(body);
  req.end();
  return { abort() { req.destroy(); } };
}

const ok = (opts) => { opts && opts.success && opts.success({}); opts && opts.complete && opts.complete({}); };
const systemInfo = { platform: "devtools", pixelRatio: 2, windowWidth: 390, windowHeight: 844, screenWidth: 390, screenHeight: 844,
  language: "zh_CN", version: "8.0.50", SDKVersion: "3.4.0", statusBarHeight: 20, safeArea: { top: 20, bottom: 844, left: 0, right: 390, width: 390, height: 824 },
  system: "iOS 17", model: "simulate", brand: "devtools", theme: "light", hostName: "WeChat", appLanguage: "zh_CN", deviceOrientation: "portrait" };

global.wx = Object.assign(global.wx || {}, {
  request,
  getStorageSync: (k) => (k in storage ? storage[k] : ""),
  setStorageSync: (k, v) => { storage[k] = v; },
  removeStorageSync: (k) => { delete storage[k]; },
  getSystemInfoSync: () => systemInfo,
  getWindowInfo: () => systemInfo,
  getDeviceInfo: () => systemInfo,
  getAppBaseInfo: () => systemInfo,
  getSystemSetting: () => ({}),
  getAppAuthorizeSetting: () => ({}),
  getLaunchOptionsSync: () => ({ path: app.pages[0], query: {}, scene: 1001 }),
  getEnterOptionsSync: () => ({ path: app.pages[0], query: {}, scene: 1001 }),
  canIUse: () => true,
  onAppRoute: () => undefined, onAppShow: () => undefined, onAppHide: () => undefined, onError: () => undefined,
  setNavigationBarTitle: ok, setTabBarItem: ok, setTabBarBadge: ok, removeTabBarBadge: ok, stopPullDownRefresh: ok,
  showToast: ok, showActionSheet: ok, hideToast: ok,
  navigateTo: (o) => { navigations.push(o.url); ok(o); }, switchTab: (o) => { navigations.push(o.url); ok(o); },
  reLaunch: (o) => { navigations.push(o.url); ok(o); }, navigateBack: ok,
  login: (o) => o.success({ code: "fake-mpsim~1", errMsg: "login:ok" }),
});

let appOptions = null;
const pageStack = [];
global.App = (options) => { appOptions = options; };
global.getApp = () => appOptions;
global.getCurrentPages = () => pageStack;
global.Page = (options) => global.Component(options);

function login() {
  return new Promise((resolve, reject) => {
    request({
      url: `${API}/t/${process.env.PMS_TENANT}/api/v1/auth/login/`, method: "POST",
      header: { "Content-Type": "application/json", "Idempotency-Key": "mp-simulate-login" },
      data: JSON.stringify({ username: process.env.PMS_USERNAME, password: process.env.PMS_PASSWORD, device: { device_type: "wechat_mp" } }),
      success: (res) => (res.statusCode === 200 ? resolve(res.data) : reject(new Error(JSON.stringify(res.data)))),
      fail: (e) => reject(new Error(e.errMsg)),
    });
  });
}

async function waitFor(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    if (fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await simulate.sleep(50);
  }
}

const loaded = {};  // a page's JS runs once (require caches it): load each page once, render it many times
function open(page, query = {}) {
  const id = loaded[page] || (loaded[page] = simulate.load(path.join(ROOT, page), { rootPath: ROOT, less: false }));
  const comp = simulate.render(id);
  const parent = document.createElement("parent-wrapper");
  comp.attach(parent);
  pageStack.push(comp.instance);
  comp.instance.route = page;
  comp.instance.options = query;
  if (typeof comp.instance.onLoad === "function") comp.instance.onLoad(query);
  if (typeof comp.instance.onShow === "function") comp.instance.onShow();
  if (typeof comp.instance.onReady === "function") comp.instance.onReady();
  return comp;
}

beforeAll(async () => {
  const pair = await login();
  storage["pms.access"] = pair.access;
  storage["pms.refresh"] = pair.refresh;
  require(path.join(ROOT, "app.js"));
  expect(appOptions).toBeTruthy();
  if (appOptions.onLaunch) appOptions.onLaunch.call(appOptions, { path: app.pages[0], query: {}, scene: 1001 });
});

afterAll(() => {
  if (appOptions && appOptions.onHide) appOptions.onHide.call(appOptions);
});

test("every page of app.json renders", async () => {
  expect(PAGES.length).toBeGreaterThanOrEqual(9);
  for (const page of PAGES) {
    const query = page.includes("order") ? { id: process.env.PMS_ORDER_ID, store: process.env.PMS_STORE_ID } : {};
    const comp = open(page, query);
    await simulate.sleep(30);
    expect(comp.dom.innerHTML.length).toBeGreaterThan(0);
    if (page === "pages/login/login") {
      expect(comp.dom.textContent).toContain("商户代码");
      expect(comp.dom.textContent).toContain("服务器地址");  // a build without VITE_PMS_API_ORIGIN asks for it
    }
    comp.detach();
    pageStack.pop();
  }
});

test("the overview loads the store's figures from the live API", async () => {
  const comp = open("pages/overview/overview");
  const revenue = `¥${process.env.PMS_EXPECT_REVENUE}`;
  await waitFor(() => comp.dom.textContent.includes(revenue), `the overview's ${revenue}`);
  expect(comp.dom.textContent).toContain("客房收入");
  expect(comp.dom.querySelector("[data-testid]") || true).toBeTruthy();
  comp.detach();
  pageStack.pop();
});

test("room status and today load from the live API", async () => {
  const rooms = open("pages/rooms/rooms");
  for (const number of process.env.PMS_EXPECT_ROOMS.split(",")) {
    await waitFor(() => rooms.dom.textContent.includes(number), `room ${number}`);
  }
  rooms.detach();
  pageStack.pop();
  const today = open("pages/today/today");
  await waitFor(() => today.dom.textContent.includes(process.env.PMS_EXPECT_GUEST), "today's arrival");
  today.detach();
  pageStack.pop();
  expect(calls.some((c) => c.includes("/m/overview/"))).toBe(true);
  expect(calls.some((c) => c.includes("/m/room-status/"))).toBe(true);
  expect(calls.some((c) => c.includes("/m/today/"))).toBe(true);
});
