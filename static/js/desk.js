/* Front desk: keyboard shortcuts and their help overlay, toasts, the side panel, htmx glue.
 *
 * Shortcuts are declared in the HTML, not here: any element with data-key="n" (one key)
 * or data-key="g r" (two keys in a row) is clicked (links, buttons) or focused (fields)
 * when those keys are pressed outside a text field; data-key-label names it in the help
 * overlay (`?`), which lists every shortcut of the current page. `/` focuses the page's
 * [data-search] field, Esc closes the panel or the overlay.
 */
(function () {
  "use strict";

  var strings = {};
  try { strings = JSON.parse(document.getElementById("desk-i18n").textContent); } catch (e) { strings = {}; }
  function t(key) { return strings[key] || key; }

  // --- toasts -----------------------------------------------------------------------
  function toast(message, level) {
    var box = document.getElementById("messages");
    if (!box || !message) return;
    var el = document.createElement("div");
    el.className = "toast " + (level || "info");
    el.setAttribute("role", "status");
    el.setAttribute("data-testid", "message");
    el.textContent = message;
    box.appendChild(el);
    armToast(el);
  }
  function armToast(el) {
    if (el.dataset.armed) return;
    el.dataset.armed = "1";
    var ms = el.classList.contains("error") ? 12000 : 6000;
    el.addEventListener("click", function () { el.remove(); });
    setTimeout(function () { el.remove(); }, ms);
  }
  window.deskToast = toast;

  // --- side panel ---------------------------------------------------------------------
  var opener = null;
  function drawer() { return document.getElementById("drawer"); }
  function openDrawer() {
    var d = drawer();
    if (!d) return;
    if (d.hidden) opener = document.activeElement;
    d.hidden = false;
    var focus = d.querySelector("[autofocus]") || d.querySelector("h2") || d;
    if (focus.tagName === "H2") focus.setAttribute("tabindex", "-1");
    focus.focus({ preventScroll: true });
  }
  function closeDrawer() {
    var d = drawer();
    if (!d || d.hidden) return false;
    d.hidden = true;
    document.getElementById("drawer-body").innerHTML = "";
    if (opener && document.body.contains(opener)) opener.focus({ preventScroll: true });
    opener = null;
    return true;
  }
  window.deskDrawer = { open: openDrawer, close: closeDrawer };

  // --- help overlay -------------------------------------------------------------------
  function keyLabel(keys) {
    return keys.split(" ").map(function (k) { return "<kbd>" + escapeHtml(k) + "</kbd>"; }).join(" " + escapeHtml(t("then")) + " ");
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; });
  }
  function shortcutElements() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-key]"), function (el) {
      return !el.closest("[hidden]") && !el.disabled;
    });
  }
  function toggleHelp() {
    var dialog = document.getElementById("help-dialog");
    if (!dialog) return;
    if (dialog.open) { dialog.close(); return; }
    var body = document.getElementById("help-rows");
    body.querySelectorAll("tr[data-page-row]").forEach(function (r) { r.remove(); });
    var seen = {};
    shortcutElements().forEach(function (el) {
      var keys = el.getAttribute("data-key");
      if (seen[keys]) return;
      seen[keys] = true;
      var label = el.getAttribute("data-key-label") || el.getAttribute("aria-label") || el.textContent.trim();
      var row = document.createElement("tr");
      row.setAttribute("data-page-row", "");
      row.innerHTML = "<td>" + keyLabel(keys) + "</td><td>" + escapeHtml(label) + "</td>";
      body.appendChild(row);
    });
    dialog.showModal();
  }

  // --- keyboard -----------------------------------------------------------------------
  var pending = "", pendingTimer = null;
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    if (el.isContentEditable) return true;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") {
      var type = (el.getAttribute("type") || "text").toLowerCase();
      return ["button", "submit", "reset", "checkbox", "radio"].indexOf(type) < 0;
    }
    return false;
  }
  function activate(el) {
    if (["INPUT", "SELECT", "TEXTAREA"].indexOf(el.tagName) >= 0) { el.focus(); if (el.select) el.select(); return; }
    el.click();
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var help = document.getElementById("help-dialog");
    if (ev.key === "Escape") {
      if (help && help.open) return; // the dialog closes itself
      if (closeDrawer()) { ev.preventDefault(); return; }
      if (window.deskRack && window.deskRack.cancel()) { ev.preventDefault(); }
      return;
    }
    if (typing(ev.target)) return;
    if (ev.key === "?") { ev.preventDefault(); toggleHelp(); return; }
    if (help && help.open) return;
    if (ev.key === "/") {
      var search = document.querySelector("#drawer:not([hidden]) [data-search]") || document.querySelector("main [data-search]");
      if (search) { ev.preventDefault(); search.focus(); if (search.select) search.select(); }
      return;
    }
    if (ev.key.length !== 1) return;
    var combo = pending ? pending + " " + ev.key : ev.key;
    var els = shortcutElements();
    // Prefer the open panel's shortcuts, then the page's, then the navigation's.
    els.sort(function (a, b) { return rank(a) - rank(b); });
    var exact = els.filter(function (el) { return el.getAttribute("data-key") === combo; });
    var prefix = els.some(function (el) { return el.getAttribute("data-key").indexOf(combo + " ") === 0; });
    clearTimeout(pendingTimer);
    if (exact.length) { pending = ""; ev.preventDefault(); activate(exact[0]); return; }
    if (prefix) { pending = combo; ev.preventDefault(); pendingTimer = setTimeout(function () { pending = ""; }, 1500); return; }
    pending = "";
  });
  function rank(el) {
    if (el.closest("#drawer")) return 0;
    if (el.closest("main")) return 1;
    return 2;
  }

  // --- forms --------------------------------------------------------------------------
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var message = form.getAttribute("data-confirm");
    // a room picked that is not clean yet (check-in): ask first
    var dirty = (form.getAttribute("data-dirty-rooms") || "").split(" ");
    if (!message && form.elements.room && form.elements.room.value && dirty.indexOf(form.elements.room.value) >= 0) {
      message = form.getAttribute("data-dirty-confirm");
    }
    if (message && !window.confirm(message)) { ev.preventDefault(); ev.stopImmediatePropagation(); }
  }, true);

  // A choice that takes effect at once (store, language, the grid's span): data-autosubmit
  // on the field, no inline handler (the Content-Security-Policy allows no inline script).
  document.addEventListener("change", function (ev) {
    var field = ev.target;
    if (field.form && field.hasAttribute && field.hasAttribute("data-autosubmit")) field.form.submit();
  });

  document.addEventListener("click", function (ev) {
    if (ev.target.closest("[data-drawer-close]")) { closeDrawer(); return; }
    if (ev.target.closest("[data-help-open]")) { toggleHelp(); }
  });

  // Parts of a form shown for one choice only: data-show-when="kind=walk_in".
  function applyShowWhen(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-show-when]").forEach(function (el) {
      var parts = el.getAttribute("data-show-when").split("="), form = el.closest("form");
      if (!form) return;
      var checked = form.querySelector('input[name="' + parts[0] + '"]:checked');
      var field = form.elements[parts[0]];
      var value = checked ? checked.value : (field && field.value);
      el.hidden = value !== parts[1];
    });
  }
  document.addEventListener("change", function (ev) { if (ev.target.form) applyShowWhen(ev.target.form); });

  // --- htmx glue ----------------------------------------------------------------------
  document.addEventListener("htmx:confirm", function (ev) {
    // forms posted by htmx ask through the same data-confirm attribute
    var el = ev.detail.elt;
    var message = el && el.getAttribute && el.getAttribute("data-confirm");
    if (message && ev.detail.triggerEvent && ev.detail.triggerEvent.type !== "submit") {
      if (!window.confirm(message)) ev.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.detail.target && ev.detail.target.id === "drawer-body") {
      if (ev.detail.target.innerHTML.trim()) openDrawer(); else closeDrawer();
    }
    document.querySelectorAll("#messages .toast").forEach(armToast);
    applyShowWhen(document);
  });
  document.addEventListener("htmx:responseError", function (ev) {
    var xhr = ev.detail.xhr, message = t("error");
    try { message = JSON.parse(xhr.responseText).detail || message; } catch (e) { /* not JSON */ }
    toast(message, "error");
  });
  document.addEventListener("htmx:sendError", function () { toast(t("offline"), "error"); });
  // "ready" is set before the first call: a script that runs after the body exists
  // initialises at once and DOMContentLoaded must not run it again (toasts twice).
  var ready = false;
  document.body && init();
  document.addEventListener("DOMContentLoaded", init);
  function init() {
    if (ready || !document.body) return;
    ready = true;
    document.body.addEventListener("toast", function (ev) { toast(ev.detail.message || ev.detail.value, ev.detail.level); });
    document.body.addEventListener("drawer-close", function () { closeDrawer(); });
    document.querySelectorAll("#messages .toast").forEach(armToast);
    applyShowWhen(document);
    shortcutElements().forEach(function (el) {
      var keys = el.getAttribute("data-key");
      if (keys.indexOf(" ") < 0 && !el.hasAttribute("aria-keyshortcuts")) el.setAttribute("aria-keyshortcuts", keys);
    });
  }
})();
