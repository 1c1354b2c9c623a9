/* Live desk pages (房态实时同步): the grid and today's lists ask the server every 2 s
 * whether anything changed since they were drawn (GET data-live-url with If-None-Match:
 * the page's data-live-version, then the last ETag; 304 when nothing did). On a change
 * the page re-reads its rows ("desk-live": htmx swaps the rack or the today board; the
 * side panel, refreshed only by the clerk's own actions, is not, so what is typed there
 * stays). While a stay is dragged or a move waits for the server,
 * the refresh waits. A hidden tab does not poll.
 */
(function () {
  "use strict";
  var el = document.querySelector("[data-live-url]");
  if (!el || !window.fetch) return;
  var endpoint = el.getAttribute("data-live-url"), version = el.getAttribute("data-live-version") || "";
  var INTERVAL = 2000, owed = false;

  function busy() { return !!(window.deskRack && window.deskRack.busy && window.deskRack.busy()); }
  function refresh() {
    if (busy()) { owed = true; return; }
    owed = false;
    // "desk-live", not "desk-changed": the grid and the today board re-read their rows, the
    // side panel (which re-reads itself on the clerk's own actions) keeps what is typed in it
    if (window.htmx) window.htmx.trigger(document.body, "desk-live");
  }
  function poll() {
    if (owed) refresh();
    if (document.hidden) { setTimeout(poll, INTERVAL); return; }
    fetch(endpoint, {
      credentials: "same-origin", cache: "no-store",
      headers: { "If-None-Match": '"' + version + '"', "Accept": "application/json" },
    }).then(function (response) {
      if (response.status !== 200) return null;
      return response.json().then(function (data) {
        version = data.version || version;
        if (data.changed) refresh();
      });
    }).catch(function () { /* offline: try again later */ }).then(function () { setTimeout(poll, INTERVAL); });
  }
  setTimeout(poll, INTERVAL);
})();
