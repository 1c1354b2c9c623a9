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

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html_join
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
        store_id = self.store.pk
        labels = {k: str(v) for k, v in STAY_STATUS_LABELS.items()}
        lock_labels = dict(RoomLock.LockType.choices)
        hk_labels = dict(Housekeeping.choices)
        order_url = reverse("order-detail", kwargs={"store_id": store_id, "pk": 0})[:-2]  # ".../orders/" + id + "/"
        columns = self._columns(grid["dates"], today)
        # One night cell per column, the same for every row: built once, not per room.
        cells = format_html_join(
            "", '<span class="rk-c{}" data-d="{}"></span>',
            ((("" if not (c["today"] or c["weekend"]) else (" today" if c["today"] else " we")), c["iso"]) for c in columns),
        )
        rows_by_id = {}
        for room in grid["rooms"]:
            blocks = []
            for b in room["blocks"]:
                s = (b["start"] - start).days
                n = (b["end"] - b["start"]).days
                if b["kind"] == "stay":
                    status = b["status"] or ""
                    movable = "dates room" if status in MOVABLE_DATES_AND_ROOM else ("room" if status in MOVABLE_ROOM_ONLY else "")
                    blocks.append({
                        "kind": "stay", "s": s, "n": n, "order_id": b["order_id"], "status": status,
                        "status_label": labels.get(status, status), "guest": b["guest_name"] or "—", "channel": b["channel"],
                        "arrival": b["arrival"], "departure": b["departure"], "nights": (b["departure"] - b["arrival"]).days,
                        "clip_l": b["arrival"] < start, "clip_r": b["departure"] > grid["end"], "movable": movable,
                        "url": f"{order_url}{b['order_id']}/",
                    })
                else:
                    blocks.append({
                        "kind": "lock", "s": s, "n": n, "lock_id": b["lock_id"], "lock_label": lock_labels.get(b["lock_type"], b["lock_type"]),
                        "reason": b["reason"], "lock_start": b["lock_start"], "lock_end": b["lock_end"],
                        "clip_l": b["start"] > b["lock_start"], "clip_r": b["end"] < b["lock_end"],
                    })
            rows_by_id[room["id"]] = {
                "id": room["id"], "number": room["number"], "floor": room["floor"], "type_id": room["room_type_id"],
                "type_name": room["room_type_name"], "hk": room["housekeeping"], "hk_label": hk_labels.get(room["housekeeping"], ""),
                "blocks": blocks,
            }
        rooms = [rows_by_id[r["id"]] for r in grid["rooms"]]
        types = grid["room_types"]
        total_free = [sum(t["free"][i] for t in types) for i in range(days)]
        if group == "floor":
            floors: dict[str, list] = {}
            for row in rooms:
                floors.setdefault(row["floor"] or "", []).append(row)
            groups = [
                {"label": floor or _("No floor"), "free": None, "rooms": floor_rooms}
                for floor, floor_rooms in sorted(floors.items(), key=lambda kv: _floor_key(kv[0]))
            ]
        else:
            by_type: dict[int, list] = {}
            for row in rooms:
                by_type.setdefault(row["type_id"], []).append(row)
            groups = [{"label": t["name"], "free": t["free"], "rooms": by_type.pop(t["id"], [])} for t in types]
            leftovers = [row for type_rows in by_type.values() for row in type_rows]  # rooms of an inactive type
            if leftovers:
                groups.append({"label": _("Other rooms"), "free": None, "rooms": leftovers})
        return {
            "cells": cells, "groups": [g for g in groups if g["rooms"]], "room_count": len(rooms),
            "free_rows": [] if group == "type" else [{"label": t["name"], "free": t["free"]} for t in types],
            "total_free": total_free,
        }


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
