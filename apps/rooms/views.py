"""Back-office pages of rooms: the room status grid (房态图) and the room panel
(housekeeping, locks). Thin: parse input, call one selector or service, render.

The grid is rendered entirely on the server (one ``room_grid`` call, a constant number of
queries) as one row per room: a sticky room label, one cell per night (the same markup
for every row, built once) and the stays and locks as absolutely positioned blocks
(``--s``: first column, ``--n``: nights). ``static/js/rack.js`` turns clicks into panel
requests and drags into ``order-move`` posts; see docs/backoffice.md.
"""
from __future__ import annotations

import json
from datetime import timedelta
from html import escape

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView

from apps.common.errors import DomainError
from apps.rooms import selectors, services
from apps.rooms.forms import GridQueryForm, HousekeepingForm, RoomLockForm, add_domain_error
from apps.rooms.models import Room, RoomLock
from apps.tenancy.scope import StoreScopedPageMixin

Housekeeping = Room.Housekeeping
# Order statuses whose stay may still be dragged: before arrival (dates and room) and in
# the house (room only). Mirrors ``Order.ACTIVE`` / ``Order.IN_HOUSE`` of the orders app.
MOVABLE_DATES_AND_ROOM = frozenset({"pending_confirmation", "confirmed"})
MOVABLE_ROOM_ONLY = frozenset({"checked_in", "extended"})
MOVABLE_ATTR = {
    **{status: ' data-movable="dates room"' for status in MOVABLE_DATES_AND_ROOM},
    **{status: ' data-movable="room"' for status in MOVABLE_ROOM_ONLY},
}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _hx_events(response: HttpResponse, **events) -> HttpResponse:
    # ASCII-escaped JSON: header values must be latin-1, messages are often Chinese.
    response["HX-Trigger"] = json.dumps({k.replace("_", "-"): v for k, v in events.items()}, ensure_ascii=True)
    return response


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return default


# Labels of the order statuses a stay block can have (the grid's data comes from
# ``room_grid``; the orders app owns the statuses, these are their display names).
STAY_STATUS_LABELS = {
    "pending_confirmation": _lazy("Pending confirmation"),
    "confirmed": _lazy("Confirmed"),
    "checked_in": _lazy("Checked in"),
    "extended": _lazy("Extended"),
    "checked_out": _lazy("Checked out"),
}


class RoomGridView(StoreScopedPageMixin, TemplateView):
    """The room status grid: rooms (grouped by type or floor) x 7-31 nights."""

    template_name = "rooms/grid.html"
    partial_template_name = "rooms/_rack.html"

    def get_template_names(self):
        if self.request.GET.get("partial") == "1":
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = selectors.store_today(store=self.store)
        query = GridQueryForm(self.request.GET or None)
        start, days, group = query.window(today=today)
        grid = selectors.room_grid(store=self.store, start=start, days=days)
        context.update(
            query=query if query.is_bound else GridQueryForm(initial={"start": start, "days": days, "group": group}),
            today=today, start=start, days=days, group=group, end=grid["end"],
            prev_start=start - timedelta(days=days if days < 31 else 14),
            next_start=start + timedelta(days=days if days < 31 else 14),
            columns=self._columns(grid["dates"], today),
            **self._rows(grid, group=group, start=start, days=days, today=today),
        )
        return context

    @staticmethod
    def _columns(dates, today) -> list[dict]:
        return [{"date": d, "iso": d.isoformat(), "today": d == today, "weekend": d.weekday() >= 5} for d in dates]

    def _rows(self, grid: dict, *, group: str, start, days: int, today) -> dict:
        renderer = RackRows(
            start=start, end=grid["end"], columns=self._columns(grid["dates"], today),
            order_url=reverse("order-detail", kwargs={"store_id": self.store.pk, "pk": 0})[:-2],  # ".../orders/" + id + "/"
        )
        rooms = grid["rooms"]
        types = grid["room_types"]
        total_free = [sum(t["free"][i] for t in types) for i in range(days)]
        if group == "floor":
            floors: dict[str, list] = {}
            for room in rooms:
                floors.setdefault(room["floor"] or "", []).append(room)
            groups = [
                {"label": floor or _("No floor"), "free": None, "rooms": floor_rooms}
                for floor, floor_rooms in sorted(floors.items(), key=lambda kv: _floor_key(kv[0]))
            ]
        else:
            by_type: dict[int, list] = {}
            for room in rooms:
                by_type.setdefault(room["room_type_id"], []).append(room)
            groups = [{"label": t["name"], "free": t["free"], "rooms": by_type.pop(t["id"], [])} for t in types]
            leftovers = [room for type_rooms in by_type.values() for room in type_rooms]  # rooms of an inactive type
            if leftovers:
                groups.append({"label": _("Other rooms"), "free": None, "rooms": leftovers})
        for g in groups:
            g["count"] = len(g["rooms"])
            g["html"] = renderer.rows(g.pop("rooms"))
            g["free"] = renderer.free(g["free"]) if g["free"] is not None else ""
        return {
            "groups": [g for g in groups if g["count"]], "room_count": len(rooms),
            "free_rows": [] if group == "type" else [{"label": t["name"], "free": renderer.free(t["free"])} for t in types],
            "total_free": renderer.free(total_free),
        }


class RackRows:
    """The HTML of the grid's room rows, built with string formatting.

    The grid is the page the desk lives in and the largest one (300 rooms x 31 nights:
    ~9,000 cells and ~2,000 blocks); Django's template engine spends ~1 s on that much
    markup, plain formatting ~20 ms. Every value from the database or a translation goes
    through ``escape`` (``html.escape``, quotes included); the markup is documented in
    docs/backoffice.md and pinned by apps/rooms/tests/test_pages.py.
    """

    ROW = (
        '<div class="rk-row" data-room="{id}" data-number="{num}">'
        '<div class="rk-label"><button type="button" class="rk-room" data-room-panel="{id}" data-testid="room-{num}">'
        '<span class="num">{num}</span><span class="hk hk-{hk}" data-testid="hk-{num}">{hk_label}</span>'
        '<span class="type">{type}</span></button></div>{cells}{blocks}</div>\n'
    )
    def __init__(self, *, start, end, columns: list[dict], order_url: str):
        self.start, self.end, self.order_url = start, end, escape(order_url)
        # One night cell per column, the same for every row: built once, not per room. A
        # cell's night is its column (rack.js reads it from the header), which keeps the
        # 9,000 cells of a 300 x 31 grid at 9 bytes each.
        self.cells = "".join('<i class="t"></i>' if c["today"] else ('<i class="w"></i>' if c["weekend"] else "<i></i>") for c in columns)
        self.free_title = escape(_("Free rooms"))
        self.status_labels = {k: escape(str(v)) for k, v in STAY_STATUS_LABELS.items()}
        self.lock_labels = {k: escape(str(v)) for k, v in RoomLock.LockType.choices}
        self.hk_labels = {k: escape(str(v)) for k, v in Housekeeping.choices}
        self.room_word = escape(_("room"))
        self.channels: dict[str, str] = {}

    def free(self, counts: list[int]) -> str:
        """A row's free-room counts, one cell per night (none left: marked)."""
        return mark_safe("".join(  # noqa: S308 - integers only
            f'<div class="rk-free none" title="{self.free_title}">0</div>' if not f else f'<div class="rk-free" title="{self.free_title}">{f}</div>'
            for f in counts
        ))

    def rows(self, rooms: list[dict]) -> str:
        return mark_safe("".join(self.row(room) for room in rooms))  # noqa: S308 - every value is escaped

    def row(self, room: dict) -> str:
        num = escape(room["number"])
        return self.ROW.format(
            id=room["id"], num=num, hk=escape(room["housekeeping"]), hk_label=self.hk_labels.get(room["housekeeping"], ""),
            type=escape(room["room_type_name"]), cells=self.cells,
            blocks="".join(self.block(b, room["id"], num) for b in room["blocks"]),
        )

    def channel(self, name: str | None) -> str:
        if not name:
            return ""
        shown = self.channels.get(name)
        if shown is None:
            shown = self.channels[name] = f" · {escape(name)}"
        return shown

    def block(self, b: dict, room_id: int, num: str) -> str:
        s, n = (b["start"] - self.start).days, (b["end"] - b["start"]).days
        if b["kind"] != "stay":
            clip = (" clip-l" if b["start"] > b["lock_start"] else "") + (" clip-r" if b["end"] < b["lock_end"] else "")
            reason = escape(b["reason"] or "")
            label = self.lock_labels.get(b["lock_type"]) or escape(b["lock_type"])
            return (
                f'<button type="button" class="blk lock{clip}" style="--s:{s};--n:{n}" data-room-panel="{room_id}" '
                f'data-lock="{b["lock_id"]}" title="{label}{": " + reason if reason else ""}">{label}<small>{reason}</small></button>'
            )
        # f-strings, not str.format: this line runs ~2,000 times per 300-room page
        status = b["status"] or ""
        arrival, departure = b["arrival"], b["departure"]
        a, d = arrival.isoformat(), departure.isoformat()
        movable = MOVABLE_ATTR.get(status, "")
        label = self.status_labels.get(status) or escape(status)
        clip = (" clip-l" if arrival < self.start else "") + (" clip-r" if departure > self.end else "")
        guest = escape(b["guest_name"] or "—")
        order = b["order_id"]
        return (
            f'<a class="blk st-{status}{clip}" href="{self.order_url}{order}/" style="--s:{s};--n:{n}" data-order="{order}" '
            f'data-a="{a}" data-nights="{(departure - arrival).days}"{movable} aria-label="{guest}, {label}, {a} – {d}, '
            f'{self.room_word} {num}">{guest}<small>{label}{self.channel(b["channel"])}</small></a>'
        )


def _floor_key(floor: str):
    digits = "".join(ch for ch in floor if ch.isdigit())
    return (0, int(digits), floor) if digits else (1, 0, floor)


class RoomPanelMixin(StoreScopedPageMixin):
    """The room panel shown beside the grid: housekeeping, locks, booking this room."""

    panel_template_name = "rooms/_room_panel.html"

    def get_room(self) -> Room:
        return get_object_or_404(self.scope_queryset(Room.objects.select_related("room_type")), pk=self.kwargs["room_id"])

    def panel_context(self, room: Room, *, lock_form: RoomLockForm | None = None) -> dict:
        today = selectors.store_today(store=self.store)
        return {
            "store": self.store, "room": room, "today": today,
            "hk_choices": [(s, Housekeeping(s).label) for s in services.housekeeping_allowed_from(room.housekeeping) if s != room.housekeeping],
            "locks": list(selectors.room_lock_list(store=self.store, filters={"room_id": room.pk, "active": True})),
            "history": list(selectors.housekeeping_history(room=room)[:5]),
            "lock_form": lock_form or RoomLockForm(initial=RoomLockForm.initial_for(today=today)),
        }

    def render_panel(self, room: Room, *, status: int = 200, **kwargs) -> HttpResponse:
        from django.template.loader import render_to_string

        html = render_to_string(self.panel_template_name, self.panel_context(room, **kwargs), request=self.request)
        return HttpResponse(html, status=status)

    def done(self, message: str) -> HttpResponse:
        """A write succeeded: htmx callers refresh what they show; others go back."""
        if _is_htmx(self.request):
            return _hx_events(HttpResponse(status=204), toast={"message": message, "level": "success"}, desk_changed=True)
        messages.success(self.request, message)
        return HttpResponseRedirect(_next_url(self.request, reverse("room-grid", kwargs={"store_id": self.store.pk})))

    def refused(self, exc: DomainError, room: Room) -> HttpResponse:
        if _is_htmx(self.request):
            return _hx_events(HttpResponse(status=204), toast={"message": exc.message, "level": "error"})
        messages.error(self.request, exc.message)
        return HttpResponseRedirect(_next_url(self.request, reverse("room-grid", kwargs={"store_id": self.store.pk})))


class RoomPanelView(RoomPanelMixin, View):
    def get(self, request, store_id: int, room_id: int):
        return self.render_panel(self.get_room())


class RoomHousekeepingView(RoomPanelMixin, View):
    """Mark a room dirty / cleaning / clean / inspected (front desk allowed, as in the API)."""

    def post(self, request, store_id: int, room_id: int):
        room = self.get_room()
        form = HousekeepingForm(request.POST)
        if not form.is_valid():
            return self.refused(DomainError("invalid", _("Unknown housekeeping status.")), room)
        try:
            room = services.room_housekeeping_set(room=room, status=form.cleaned_data["status"], actor=request.user)
        except DomainError as exc:
            return self.refused(exc, room)
        return self.done(_("Room %(room)s is now %(status)s.") % {"room": room.number, "status": Housekeeping(room.housekeeping).label})


class RoomLockCreateView(RoomPanelMixin, View):
    """Take a room out of sale for some nights (maintenance, out of order, hold)."""

    def post(self, request, store_id: int, room_id: int):
        room = self.get_room()
        form = RoomLockForm(request.POST)
        if form.is_valid():
            try:
                services.room_lock_create(store=self.store, room=room, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return self.done(_("Room %(room)s is locked.") % {"room": room.number})
        if _is_htmx(request):
            return self.render_panel(room, lock_form=form)
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return HttpResponseRedirect(_next_url(request, reverse("room-grid", kwargs={"store_id": self.store.pk})))


class RoomLockReleaseView(RoomPanelMixin, View):
    """Give a lock's nights back from today on."""

    def post(self, request, store_id: int, lock_id: int):
        lock = get_object_or_404(self.scope_queryset(RoomLock.objects.select_related("room")), pk=lock_id)
        try:
            services.room_lock_release(lock=lock, actor=request.user)
        except DomainError as exc:
            return self.refused(exc, lock.room)
        return self.done(_("Room %(room)s is unlocked.") % {"room": lock.room.number})
