/**
 * Loaded with `node --require` (NODE_OPTIONS) around builds and the mp-weixin smoke test:
 * any DNS lookup or TCP connection to a host other than this machine is refused and written
 * to $PMS_OFFLINE_LOG (one line each), which the tests read and fail on.
 * (uni's CLI checks for updates at uniapp.dcloud.net.cn unless CI is set: the scripts set CI=1.)
 */
const fs = require("fs");
const dns = require("dns");
const net = require("net");

const LOCAL = new Set(["localhost", "127.0.0.1", "::1", "0.0.0.0", ""]);
const isLocal = (host) => host === undefined || host === null || LOCAL.has(String(host)) || String(host).startsWith("127.");

function record(what) {
  const line = `${new Date().toISOString()} pid ${process.pid} ${what}\n`;
  if (process.env.PMS_OFFLINE_LOG) fs.appendFileSync(process.env.PMS_OFFLINE_LOG, line);
  process.stderr.write(`[offline-guard] blocked ${what}\n`);
}

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (!isLocal(hostname)) {
    record(`dns ${hostname}`);
    const cb = rest[rest.length - 1];
    const err = Object.assign(new Error(`offline: ${hostname}`), { code: "ENOTFOUND" });
    if (typeof cb === "function") return process.nextTick(cb, err);
    throw err;
  }
  return lookup.call(this, hostname, ...rest);
};
if (dns.promises) {
  const plookup = dns.promises.lookup;
  dns.promises.lookup = function guardedPLookup(hostname, ...rest) {
    if (!isLocal(hostname)) {
      record(`dns ${hostname}`);
      return Promise.reject(Object.assign(new Error(`offline: ${hostname}`), { code: "ENOTFOUND" }));
    }
    return plookup.call(this, hostname, ...rest);
  };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = args[0];
  const opts = Array.isArray(first) ? first[0] : first;
  const host = typeof opts === "object" && opts !== null ? opts.host : (typeof args[1] === "string" ? args[1] : undefined);
  const isPipe = typeof opts === "object" && opts !== null && opts.path;
  if (!isPipe && typeof opts !== "string" && !isLocal(host)) {
    record(`connect ${host}`);
    throw Object.assign(new Error(`offline: ${host}`), { code: "ECONNREFUSED" });
  }
  return connect.apply(this, args);
};
