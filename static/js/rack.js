/* Room status grid (房态图): clicks open the side panel, stays are dragged with Pointer
 * Events (mouse, pen, touch: press and hold) to another room and/or other dates.
 *
 * A drop posts {room, arrival} to the order's move endpoint (order_modify on the server,
 * which re-checks the room and the room type and re-prices). Accepted: the grid reloads
 * (free counts, prices). Refused: the block slides back and the server's reason (in the
 * user's language) shows in a toast. Nothing is moved in the page before the server
 * says yes. Keyboard: focus a stay (Tab), press "m", move with the arrow keys (rooms up and
 * down, nights left and right), Enter to drop, Esc to cancel; or the stay panel's "Move" form.
 */
(function () {
  "use strict";
  var rack = document.getElementById("rack");
  if (!rack) return;
  var strings = {};
  try { strings = JSON.parse(document.getElementById("desk-i18n").textContent); } catch (e) { strings = {}; }
  function toast(message, level) { if (window.deskToast) window.deskToast(message, level); }

  function url(template, id) {
    var i = template.lastIndexOf("/0/");
    return template.slice(0, i) + "/" + id + "/" + template.slice(i + 3);
  }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function addDays(iso, n) {
    var d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  function openPanel(href) { window.htmx.ajax("GET", href, { target: "#drawer-body", swap: "innerHTML" }); }
  function refresh() { window.htmx.trigger(document.body, "desk-changed"); }
  function dayWidth() {
    var cell = rack.querySelector(".rk-row[data-room] > i");
    return cell ? cell.getBoundingClientRect().width : 48;
  }
  // a night cell's date: its column in the header (cells carry no data, to stay small)
  function nightOf(cell) {
    var index = Array.prototype.indexOf.call(cell.parentNode.querySelectorAll(":scope > i"), cell);
    return rack.querySelectorAll(".rk-head .rk-d")[index].dataset.d;
  }
  function cssInt(el, name) { return parseInt(el.style.getPropertyValue(name), 10) || 0; }

  // --- clicks -------------------------------------------------------------------------
  var suppressClick = false;
  rack.addEventListener("click", function (ev) {
    if (suppressClick) { suppressClick = false; ev.preventDefault(); ev.stopPropagation(); return; }
    var blk = ev.target.closest(".blk[data-order]");
    if (blk) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return; // open the order page as a normal link
      ev.preventDefault();
      openPanel(url(rack.dataset.urlOrderPanel, blk.dataset.order));
      return;
    }
    var room = ev.target.closest("[data-room-panel]");
    if (room) { openPanel(url(rack.dataset.urlRoomPanel, room.dataset.roomPanel)); return; }
    var cell = ev.target.closest(".rk-row[data-room] > i");
    if (cell) {
      var night = nightOf(cell);
      var row = cell.parentNode;
      openPanel(rack.dataset.urlBook + "?room=" + row.dataset.room + "&arrival=" + night + "&departure=" + addDays(night, 1));
    }
  });
  rack.addEventListener("dragstart", function (ev) { ev.preventDefault(); }); // no native link dragging

  // --- dragging -----------------------------------------------------------------------
  var drag = null;

  // --- booking several nights: press on an empty night, drag along the row, release -----
  var sel = null;
  function selCells(row, a, b) {
    var cells = row.querySelectorAll(":scope > i"), lo = Math.min(a, b), hi = Math.max(a, b);
    Array.prototype.forEach.call(cells, function (c, i) { c.classList.toggle("sel", i >= lo && i <= hi); });
  }
  function cellIndex(cell) { return Array.prototype.indexOf.call(cell.parentNode.querySelectorAll(":scope > i"), cell); }
  rack.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0 || drag || ev.pointerType === "touch") return;
    var cell = ev.target.closest(".rk-row[data-room] > i");
    if (!cell) return;
    sel = { row: cell.parentNode, a: cellIndex(cell), b: cellIndex(cell), id: ev.pointerId };
  });
  document.addEventListener("pointermove", function (ev) {
    if (!sel || ev.pointerId !== sel.id) return;
    var under = document.elementFromPoint(ev.clientX, ev.clientY);
    var cell = under && under.closest ? under.closest(".rk-row[data-room] > i") : null;
    if (!cell || cell.parentNode !== sel.row) return;
    sel.b = cellIndex(cell);
    if (sel.b !== sel.a) selCells(sel.row, sel.a, sel.b);
  });
  document.addEventListener("pointerup", function (ev) {
    if (!sel || ev.pointerId !== sel.id) return;
    var s = sel;
    sel = null;
    selCells(s.row, -1, -1);
    if (s.a === s.b) return; // one night: the click opens the booking panel
    suppressClick = true;
    setTimeout(function () { suppressClick = false; }, 400);
    var heads = rack.querySelectorAll(".rk-head .rk-d");
    var first = heads[Math.min(s.a, s.b)].dataset.d, last = heads[Math.max(s.a, s.b)].dataset.d;
    openPanel(rack.dataset.urlBook + "?room=" + s.row.dataset.room + "&arrival=" + first + "&departure=" + addDays(last, 1));
  });

  rack.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0 || drag) return;
    var blk = ev.target.closest(".blk[data-movable]");
    if (!blk || blk.classList.contains("pending")) return;
    drag = {
      blk: blk, id: ev.pointerId, x0: ev.clientX, y0: ev.clientY, x: ev.clientX, y: ev.clientY,
      touch: ev.pointerType === "touch", started: false, timer: null, row0: blk.closest(".rk-row"),
      dates: blk.dataset.movable.indexOf("dates") >= 0, target: null, delta: 0,
      sl0: rack.scrollLeft, st0: rack.scrollTop,
    };
    if (drag.touch) {
      // press and hold to drag on a touch screen; a quick swipe still scrolls the grid
      drag.timer = setTimeout(function () { if (drag && !drag.started) { begin(); update(); } }, 300);
    }
  });

  function begin() {
    drag.started = true;
    drag.dw = dayWidth();
    drag.s0 = cssInt(drag.blk, "--s");
    drag.n = cssInt(drag.blk, "--n");
    drag.blk.classList.add("dragging");
    drag.blk.style.pointerEvents = "none";
    drag.ghost = document.createElement("div");
    drag.ghost.className = "drop-ghost";
    drag.ghost.style.setProperty("--n", drag.n);
    if (navigator.vibrate && drag.touch) navigator.vibrate(15);
  }

  function update() {
    var dx = drag.x - drag.x0 + rack.scrollLeft - drag.sl0;
    var dy = drag.y - drag.y0 + rack.scrollTop - drag.st0;
    var delta = drag.dates ? Math.round(dx / drag.dw) : 0;
    var under = document.elementFromPoint(drag.x, drag.y);
    var row = under && under.closest ? under.closest(".rk-row[data-room]") : null;
    if (!row || !rack.contains(row)) row = drag.target || drag.row0;
    if (row !== drag.target) {
      if (drag.target) drag.target.classList.remove("drop-target");
      row.classList.add("drop-target");
      drag.target = row;
    }
    drag.delta = delta;
    drag.blk.style.transform = "translate(" + (drag.dates ? dx : 0) + "px," + dy + "px)";
    drag.ghost.style.setProperty("--s", drag.s0 + delta);
    if (drag.ghost.parentNode !== row) row.appendChild(drag.ghost);
    preview(drag, row);
  }

  // While dragging: will the drop be refused? Another stay or a lock on those nights of
  // that room says so on the ghost (the server decides in the end).
  function preview(d, row) {
    var s0 = d.s0 + d.delta, s1 = s0 + d.n, why = "";
    if (row.dataset.room) {
      row.querySelectorAll(":scope > .blk").forEach(function (other) {
        if (other === d.blk || other.classList.contains("pend")) return;
        var a = cssInt(other, "--s"), b = a + cssInt(other, "--n");
        if (a < s1 && s0 < b && !why) why = other.classList.contains("lock") ? "locked" : "occupied";
      });
    }
    d.ghost.classList.toggle("bad", !!why);
    d.ghost.textContent = why ? (rack.dataset["msg" + (why === "locked" ? "Locked" : "Occupied")] || "") : "";
    d.ghost.setAttribute("data-refused", why);
  }

  // keep scrolling while the pointer is near an edge of the grid
  function autoscroll() {
    if (!drag || !drag.started) return;
    var r = rack.getBoundingClientRect(), edge = 40, step = 0, vstep = 0;
    if (drag.x > r.right - edge) step = 12; else if (drag.x < r.left + edge + 100) step = -12;
    if (drag.y > r.bottom - edge) vstep = 12; else if (drag.y < r.top + edge) vstep = -12;
    if (step || vstep) {
      var before = rack.scrollLeft + rack.scrollTop;
      rack.scrollLeft += step;
      rack.scrollTop += vstep;
      if (rack.scrollLeft + rack.scrollTop !== before) update();
    }
    requestAnimationFrame(autoscroll);
  }

  document.addEventListener("pointermove", function (ev) {
    if (!drag || ev.pointerId !== drag.id) return;
    drag.x = ev.clientX;
    drag.y = ev.clientY;
    var moved = Math.abs(drag.x - drag.x0) + Math.abs(drag.y - drag.y0);
    if (!drag.started) {
      if (drag.touch) { if (moved > 8) stop(); return; } // a swipe: let the grid scroll
      if (moved < 5) return;
      begin();
      requestAnimationFrame(autoscroll);
    }
    ev.preventDefault();
    update();
  }, { passive: false });
  // once a touch drag has started, the finger must not scroll the page
  document.addEventListener("touchmove", function (ev) { if (drag && drag.started) ev.preventDefault(); }, { passive: false });

  document.addEventListener("pointerup", function (ev) {
    if (!drag || ev.pointerId !== drag.id) return;
    var d = drag;
    stop();
    if (!d.started) return; // a click: the click handler opens the panel
    suppressClick = true;
    setTimeout(function () { suppressClick = false; }, 400);
    drop(d);
  });
  document.addEventListener("pointercancel", function (ev) {
    if (!drag || ev.pointerId !== drag.id) return;
    var d = drag;
    stop();
    if (d.started) snapBack(d);
  });

  function stop() {
    if (!drag) return;
    clearTimeout(drag.timer);
    if (drag.target) drag.target.classList.remove("drop-target");
    if (drag.ghost && drag.ghost.parentNode) drag.ghost.parentNode.removeChild(drag.ghost);
    drag.blk.style.pointerEvents = "";
    drag = null;
  }

  function snapBack(d) {
    d.blk.classList.remove("pending", "dragging");
    d.blk.classList.add("returning");
    d.blk.style.transform = "";
    d.blk.removeAttribute("data-returned");
    setTimeout(function () { d.blk.classList.remove("returning"); d.blk.setAttribute("data-returned", ""); }, 300);
  }

  function drop(d) {
    var room = (d.target || d.row0).dataset.room;
    if (room === d.row0.dataset.room && d.delta === 0) { snapBack(d); return; }
    // a room of another type changes the order's room type (re-priced): ask first
    var fromType = d.row0.dataset.type || d.row0.dataset.lane, toType = (d.target || d.row0).dataset.type;
    if (room && fromType && toType && fromType !== toType && !window.confirm(rack.dataset.msgOtherType || "")) { snapBack(d); return; }
    // show it where it was dropped, snapped to the night, until the server answers
    var rowShift = (d.target || d.row0).getBoundingClientRect().top - d.row0.getBoundingClientRect().top;
    d.blk.style.transform = "translate(" + d.delta * d.dw + "px," + rowShift + "px)";
    d.blk.classList.remove("dragging");
    d.blk.classList.add("pending");
    var body = new URLSearchParams();
    body.set("room", room);
    if (d.delta) body.set("arrival", addDays(d.blk.dataset.a, d.delta));
    // what undoing it takes: a move back (a new move, recorded), when it had a room
    var back = d.row0.dataset.room ? { order: d.blk.dataset.order, room: d.row0.dataset.room, arrival: d.blk.dataset.a } : null;
    post(d.blk.dataset.order, body).then(function (result) {
      if (result.ok) {
        undoToast(result.data.detail || strings.moved, back);
        refresh();
      } else {
        snapBack(d);
        toast(result.data.detail || strings.error, "error");
      }
    }, function () {
      snapBack(d);
      toast(strings.offline, "error");
    });
  }

  function post(order, body) {
    moving += 1;
    return fetch(url(rack.dataset.urlMove, order), {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) { moving -= 1; return result; }, function (err) { moving -= 1; throw err; });
  }

  function undoToast(message, back) {
    var box = document.getElementById("messages");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast success";
    el.setAttribute("role", "status");
    el.setAttribute("data-testid", "message");
    el.appendChild(document.createTextNode(message + " "));
    if (back) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "small secondary";
      button.setAttribute("data-testid", "undo-move");
      button.textContent = rack.dataset.msgUndo || "Undo";
      button.addEventListener("click", function (ev) {
        ev.stopPropagation();
        el.remove();
        var body = new URLSearchParams();
        body.set("room", back.room);
        body.set("arrival", back.arrival);
        post(back.order, body).then(function (result) {
          toast(result.ok ? (rack.dataset.msgUndone || "") + " " + (result.data.detail || "") : (result.data.detail || strings.error),
                result.ok ? "success" : "error");
          refresh();
        }, function () { toast(strings.offline, "error"); });
      });
      el.appendChild(button);
    }
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 10000);
  }

  // --- moving with the keyboard: focus a stay, "m", arrows, Enter (Esc cancels) -------
  var kbd = null;
  var live = document.getElementById("rack-live");
  function say(text) { if (live) live.textContent = text; }

  function kbdShow() {
    var d = kbd.d, row = kbd.rows[kbd.i];
    if (d.target && d.target !== row) d.target.classList.remove("drop-target");
    d.target = row;
    row.classList.add("drop-target");
    d.ghost.style.setProperty("--s", d.s0 + d.delta);
    if (d.ghost.parentNode !== row) row.appendChild(d.ghost);
    preview(d, row);
    say(row.dataset.number + " · " + addDays(d.blk.dataset.a, d.delta) + (d.ghost.textContent ? " · " + d.ghost.textContent : ""));
  }
  function kbdStart(blk) {
    var row0 = blk.closest(".rk-row");
    var rows = Array.prototype.slice.call(rack.querySelectorAll(".rk-row[data-room]"));
    var d = {
      blk: blk, row0: row0, dates: blk.dataset.movable.indexOf("dates") >= 0, delta: 0, target: null,
      dw: dayWidth(), s0: cssInt(blk, "--s"), n: cssInt(blk, "--n"), ghost: document.createElement("div"),
    };
    d.ghost.className = "drop-ghost";
    d.ghost.style.setProperty("--n", d.n);
    blk.classList.add("kbd-moving");
    kbd = { d: d, rows: rows, i: Math.max(0, rows.indexOf(row0)) }; // from the 未排房 lane: the first room
    kbdShow();
  }
  function kbdEnd(commit) {
    var d = kbd.d;
    kbd = null;
    d.blk.classList.remove("kbd-moving");
    if (d.target) d.target.classList.remove("drop-target");
    if (d.ghost.parentNode) d.ghost.parentNode.removeChild(d.ghost);
    say("");
    if (commit) drop(d);
  }
  rack.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (!kbd) {
      var blk = ev.target.closest && ev.target.closest(".blk[data-movable]");
      if (blk && ev.key === "m" && !blk.classList.contains("pending")) { ev.preventDefault(); kbdStart(blk); }
      return;
    }
    var d = kbd.d, handled = true;
    if (ev.key === "ArrowLeft" && d.dates) d.delta -= 1;
    else if (ev.key === "ArrowRight" && d.dates) d.delta += 1;
    else if (ev.key === "ArrowUp") kbd.i = Math.max(0, kbd.i - 1);
    else if (ev.key === "ArrowDown") kbd.i = Math.min(kbd.rows.length - 1, kbd.i + 1);
    else if (ev.key === "Enter") { ev.preventDefault(); ev.stopPropagation(); kbdEnd(true); return; }
    else if (ev.key === "Escape") { ev.preventDefault(); ev.stopPropagation(); kbdEnd(false); return; }
    else handled = false;
    if (handled) { ev.preventDefault(); ev.stopPropagation(); kbdShow(); }
  });

  // --- filters: 空净 / 空脏 / 预抵 / 预离 / 在住 / 维修, room type, floor (in the page) ------
  var bar = document.querySelector("[data-testid=grid-filters]");
  function applyFilters() {
    if (!bar) return;
    var states = Array.prototype.map.call(bar.querySelectorAll("[data-filter][aria-pressed=true]"), function (b) { return b.dataset.filter; });
    var type = (bar.querySelector("[data-filter-type]") || {}).value || "";
    var floorSel = bar.querySelector("[data-filter-floor]"), floor = floorSel ? floorSel.value : "";
    var counts = {}, shown = 0, rows = rack.querySelectorAll(".rk-row[data-room]");
    rows.forEach(function (row) {
      var flags = (row.dataset.f || "").split(" ");
      var place = (!type || row.dataset.type === type) && (!floor || row.dataset.floor === floor);
      flags.forEach(function (f) { if (f && place) counts[f] = (counts[f] || 0) + 1; });
      var ok = place && (!states.length || states.some(function (s) { return flags.indexOf(s) >= 0; }));
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    rack.querySelectorAll(".rk-lane").forEach(function (lane) {
      lane.hidden = !!states.length || (!!type && lane.dataset.lane !== type);
    });
    bar.querySelectorAll("[data-filter]").forEach(function (b) { b.querySelector(".n").textContent = counts[b.dataset.filter] || 0; });
    var out = bar.querySelector("[data-testid=filter-shown]");
    if (out) out.textContent = shown + " / " + rows.length;
  }
  if (bar) {
    bar.addEventListener("click", function (ev) {
      var b = ev.target.closest("[data-filter]");
      if (!b) return;
      b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
      applyFilters();
    });
    bar.addEventListener("change", applyFilters);
    document.body.addEventListener("htmx:afterSwap", function (ev) { if (ev.detail.target === rack) applyFilters(); });
    applyFilters();
  }

  var moving = 0;
  window.deskRack = {
    // a drag, a keyboard move, a range being selected or a move waiting for the server:
    // the live refresh waits (static/js/live.js)
    busy: function () { return !!(drag && drag.started) || !!kbd || !!sel || moving > 0; },
    cancel: function () {
      if (!drag) return false;
      var d = drag;
      stop();
      if (d.started) { suppressClick = true; snapBack(d); }
      return true;
    },
  };
})();
