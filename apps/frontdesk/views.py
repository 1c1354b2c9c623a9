"""Back-office pages of the front desk: the room status grid (房态图), today's desk, the
check-in (room and documents), the check-out, the guest's page (profile and stays). Thin: parse input, call one selector or
service (this app's, or one app's when nothing spans apps), render. The extension shows
its new rates and total before it is confirmed.

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
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from apps.common.errors import DomainError, NotFoundError
from apps.common.forms import add_domain_error
from apps.common.pages import next_url, write_done, write_refused
from apps.contacts.models import Contact
from apps.contacts.selectors import contact_can_reveal, contact_get, contact_reveal_log
from apps.contacts.services import contact_erase, contact_export, contact_reveal
from apps.folios.models import PaymentMethod
from apps.folios.selectors import deposits_held
from apps.folios.services import payment_methods_ensure
from apps.frontdesk.forms import BookingForm, CheckInForm, GridQueryForm, desk_money_from, desk_room_choices
from apps.frontdesk.selectors import room_grid
from apps.frontdesk.services import (
    GuestDocumentRefused,
    stay_book,
    stay_cancel,
    stay_check_in,
    stay_check_out,
    stay_extend,
    stay_no_show,
)
from apps.members.selectors import blacklist_for_order
from apps.orders.feed import FeedCursor, order_change_seen
from apps.orders.forms import ExtendForm
from apps.orders.models import Order, OrderItem
from apps.orders.selectors import (
    order_actions,
    order_for_update,
    order_get,
    order_staying_guests,
    stay_target,
    stays_for_contact,
    today_lists,
)
from apps.orders.services import order_extend_quote
from apps.orders.views import OrderCreateView
from apps.rooms.models import Room, RoomLock
from apps.rooms.selectors import room_list, rooms_change_stamp, rooms_taken
from apps.tenancy.business_day import business_date, store_local_date
from apps.tenancy.scope import StoreScopedPageMixin

Housekeeping = Room.Housekeeping
# Stays that may still be dragged on the grid: before arrival (dates and room) and in the
# house (room only), as ``order_modify`` allows.
MOVABLE_ATTR = {
    **{status: ' data-movable="dates room"' for status in Order.ACTIVE - Order.IN_HOUSE},
    **{status: ' data-movable="room"' for status in Order.IN_HOUSE},
}


# --- the room status grid -------------------------------------------------------------------


class RoomGridView(StoreScopedPageMixin, TemplateView):
    """The room status grid: rooms (grouped by type or floor) x 7-31 nights."""

    template_name = "frontdesk/grid.html"
    partial_template_name = "frontdesk/_rack.html"

    def get_template_names(self):
        if self.request.GET.get("partial") == "1":
            return [self.partial_template_name]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = store_local_date(store=self.store)
        query = GridQueryForm(self.request.GET or None)
        start, days, group = query.window(today=today)
        # the version first: a change made while the grid is read shows at the first poll
        live = live_version(self.store) if self.request.GET.get("partial") != "1" else ""
        grid = room_grid(store=self.store, start=start, days=days, desk=True, today=today)
        context.update(
            query=query if query.is_bound else GridQueryForm(initial={"start": start, "days": days, "group": group}),
            today=today, start=start, days=days, group=group, end=grid["end"],
            prev_start=start - timedelta(days=days if days < 31 else 14),
            next_start=start + timedelta(days=days if days < 31 else 14),
            columns=self._columns(grid["dates"], today),
            **self._rows(grid, group=group, start=start, days=days, today=today),
            filters=self._filters(grid),
            live=live,
        )
        return context

    @staticmethod
    def _filters(grid: dict) -> dict:
        """The filter bar's choices: room types and floors of the rooms shown."""
        floors = sorted({room["floor"] for room in grid["rooms"] if room["floor"]}, key=_floor_key)
        return {"types": [(t["id"], t["name"]) for t in grid["room_types"]], "floors": floors,
                "states": [(key, label) for key, label in FILTER_STATES]}

    @staticmethod
    def _columns(dates, today) -> list[dict]:
        return [{"date": d, "iso": d.isoformat(), "today": d == today, "weekend": d.weekday() >= 5} for d in dates]

    def _rows(self, grid: dict, *, group: str, start, days: int, today) -> dict:
        renderer = RackRows(
            start=start, end=grid["end"], columns=self._columns(grid["dates"], today), today=today,
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
            groups = [{"label": t["name"], "free": t["free"], "rooms": by_type.pop(t["id"], []), "type_id": t["id"]} for t in types]
            leftovers = [room for type_rooms in by_type.values() for room in type_rooms]  # rooms of an inactive type
            if leftovers:
                groups.append({"label": _("Other rooms"), "free": None, "rooms": leftovers})
        unassigned = grid.get("unassigned") or {}
        for g in groups:
            g["count"] = len(g["rooms"])
            g["html"] = mark_safe(  # noqa: S308 - both parts are escaped
                renderer.lanes(g.get("type_id"), unassigned.get(g.get("type_id")) or []) + renderer.rows(g.pop("rooms")))
            g["free"] = renderer.free(g["free"]) if g["free"] is not None else ""
        if group == "floor" and unassigned:
            # by floor, the unassigned orders of every type go first, one lane per type
            names = {t["id"]: t["name"] for t in types}
            lanes = "".join(renderer.lanes(type_id, lane, names.get(type_id, "")) for type_id, lane in unassigned.items())
            groups.insert(0, {"label": _("No room yet"), "free": "", "count": 1, "html": mark_safe(lanes)})  # noqa: S308 - escaped
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
    docs/backoffice.md and pinned by apps/frontdesk/tests/test_grid_page.py.
    """

    ROW = (
        '<div class="rk-row" data-room="{id}" data-number="{num}" data-type="{type_id}" data-floor="{floor}" data-f="{flags}">'
        '<div class="rk-label"><button type="button" class="rk-room" data-room-panel="{id}" data-testid="room-{num}">'
        '<span class="num">{num}</span><span class="hk hk-{hk}" data-testid="hk-{num}">{hk_label}</span>'
        '<span class="type">{type}</span></button></div>{cells}{blocks}</div>\n'
    )
    LANE = (
        '<div class="rk-row rk-lane" data-lane="{type_id}" data-testid="unassigned-{type_id}">'
        '<div class="rk-label"><span class="lane-label">{label}</span><span class="type">{type}</span></div>{cells}{blocks}</div>\n'
    )

    def __init__(self, *, start, end, columns: list[dict], order_url: str, today=None):
        self.start, self.end, self.order_url = start, end, escape(order_url)
        self.today = today
        self.ti = (today - start).days if today is not None and start <= today < end else None
        self.lane_label = escape(_("No room yet"))
        self.marks = {"due": escape(_("Owes")), "deposit": escape(_("Deposit")), "prepaid": escape(_("Prepaid")),
                      "due_out": escape(_("Due out today")), "conflict": escape(_("Needs attention"))}
        # One night cell per column, the same for every row: built once, not per room. A
        # cell's night is its column (rack.js reads it from the header), which keeps the
        # 9,000 cells of a 300 x 31 grid at 9 bytes each.
        self.cells = "".join('<i class="t"></i>' if c["today"] else ('<i class="w"></i>' if c["weekend"] else "<i></i>") for c in columns)
        self.free_title = escape(_("Free rooms"))
        self.status_labels = {k: escape(str(v)) for k, v in Order.Status.choices}
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

    def lanes(self, type_id, stays: list[dict], type_name: str = "") -> str:
        """The 未排房 lane(s) of a room type: its orders without a room, stacked so that
        none overlaps another (one lane row per layer)."""
        if not stays:
            return ""
        layers: list[list[dict]] = []
        for stay in sorted(stays, key=lambda b: (b["start"], b["order_id"])):
            for layer in layers:
                if layer[-1]["end"] <= stay["start"]:
                    layer.append(stay)
                    break
            else:
                layers.append([stay])
        return mark_safe("".join(  # noqa: S308 - every value is escaped
            self.LANE.format(type_id=type_id, label=self.lane_label, type=escape(type_name), cells=self.cells,
                             blocks="".join(self.block(b, "", "") for b in layer))
            for layer in layers
        ))

    def flags(self, room: dict) -> str:
        """What the filters match on tonight (today's column): vc (free and clean), vd (free
        and dirty), arr (a stay arrives), dep (a stay leaves), in (in the house), ooo (locked)."""
        i = self.ti
        if i is None:
            return ""
        flags = []
        state = room["occupancy"][i]
        if state == "out_of_order":
            flags.append("ooo")
        in_house = state == "occupied"
        for b in room["blocks"]:
            if b["kind"] != "stay":
                continue
            if b["arrival"] == self.today and b["status"] not in Order.ARRIVED:
                flags.append("arr")
            if b["status"] in Order.IN_HOUSE and b["departure"] <= self.today:
                flags.append("dep")
                in_house = True
        if in_house:
            flags.append("in")
        if state == "vacant" and not in_house:
            flags.append("vd" if room["housekeeping"] in ("dirty", "cleaning") else "vc")
        return " ".join(flags)

    def row(self, room: dict) -> str:
        num = escape(room["number"])
        return self.ROW.format(
            type_id=room["room_type_id"], floor=escape(room["floor"] or ""), flags=self.flags(room),
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
        extra, marks = "", ""
        if "due" in b:  # the desk's grid: money and attention marks
            extra, marks = self.marks_of(b, status)
        where = f"{self.room_word} {num}" if num else self.lane_label
        return (
            f'<a class="blk st-{status}{clip}{extra}" href="{self.order_url}{order}/" style="--s:{s};--n:{n}" data-order="{order}" '
            f'data-a="{a}" data-nights="{(departure - arrival).days}"{movable} aria-label="{guest}, {label}, {a} – {d}, '
            f'{where}">{guest}<small>{label}{self.channel(b["channel"])}</small>{marks}</a>'
        )

    def marks_of(self, b: dict, status: str) -> tuple[str, str]:
        """Extra classes and the money marks of a stay block: 欠 (owes: due above zero, for a
        guest in the house or any stay already begun), 押 (a deposit held), 已付 (prepaid in
        full before arrival), conflict and due-out-today."""
        classes, marks = [], []
        if status == "pending_confirmation":
            classes.append("pend")
        if b.get("is_conflict"):
            classes.append("conflict")
            marks.append(f'<b class="mk mk-warn" title="{self.marks["conflict"]}">⚠</b>')
        if b.get("due_out"):
            classes.append("due-out")
            marks.append(f'<b class="mk mk-out">{self.marks["due_out"]}</b>')
        due, paid, deposit = b.get("due"), b.get("paid"), b.get("deposit")
        if due and due > 0 and (status in Order.IN_HOUSE or status == "checked_out"):
            marks.append(f'<b class="mk mk-due" data-mark="due">{self.marks["due"]}¥{due}</b>')
        elif due is not None and due <= 0 and paid and paid > 0:
            marks.append(f'<b class="mk mk-paid" data-mark="prepaid">{self.marks["prepaid"]}</b>')
        if deposit:
            marks.append(f'<b class="mk mk-dep" data-mark="deposit">{self.marks["deposit"]}¥{deposit}</b>')
        return ("".join(" " + c for c in classes), f'<span class="mks">{"".join(marks)}</span>' if marks else "")


# The grid's filters on tonight's state of each room (``RackRows.flags``).
FILTER_STATES = (
    ("vc", gettext_lazy("Vacant clean")), ("vd", gettext_lazy("Vacant dirty")), ("arr", gettext_lazy("Arriving")),
    ("dep", gettext_lazy("Departing")), ("in", gettext_lazy("In house")), ("ooo", gettext_lazy("Maintenance")),
)


def _floor_key(floor: str):
    digits = "".join(ch for ch in floor if ch.isascii() and ch.isdigit())
    return (0, int(digits), floor) if digits else (1, 0, floor)


# --- live: what changed since the page was drawn ---------------------------------------------------


def live_version(store) -> str:
    """Where the store is now: the order change feed's cursor and the rooms' change stamp."""
    _changed, cursor = order_change_seen(store_id=store.pk, cursor=None)
    return f"{cursor.encode()}~{rooms_change_stamp(store=store)}"


class DeskChangesView(StoreScopedPageMixin, View):
    """``GET`` with ``If-None-Match: "<version>"`` (the page's ``data-live-version``, then
    the last answer's ``ETag``): ``304`` when nothing changed, else ``200`` with
    ``{"changed": true|false, "version": ...}`` (false: only the feed's cursor moved on,
    e.g. past a write still in flight). The grid and today pages poll it (static/js/live.js)
    and re-read their rows on a change. Changes are the orders' (the order change feed,
    ``apps.orders.feed``) and the rooms' housekeeping and locks."""

    def get(self, request, store_id: int):
        sent = (request.headers.get("If-None-Match") or "").strip().strip('"')
        raw_cursor, _sep, old_stamp = sent.partition("~")
        try:
            cursor = FeedCursor.decode(raw_cursor) if raw_cursor else None
        except DomainError:
            cursor = None
        changed, following = order_change_seen(store_id=self.store.pk, cursor=cursor)
        stamp = rooms_change_stamp(store=self.store)
        changed = changed or (cursor is not None and stamp != old_stamp)
        version = f"{following.encode()}~{stamp}"
        if not changed and cursor is not None and version == sent:
            response = HttpResponse(status=304)
        else:
            response = JsonResponse({"changed": changed, "version": version})
        response["ETag"] = f'"{version}"'
        response["Cache-Control"] = "no-store"
        return response


# --- today's desk --------------------------------------------------------------------------------


class TodayView(StoreScopedPageMixin, TemplateView):
    """Arrivals, in-house guests, departures and rooms to clean, with one-click actions."""

    template_name = "frontdesk/today.html"

    def get_template_names(self):
        return ["frontdesk/_today_board.html"] if self.request.GET.get("partial") == "1" else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        day = business_date(store=self.store)
        if self.request.GET.get("partial") != "1":
            context["live"] = live_version(self.store)  # before the lists: a change meanwhile shows at the first poll
        lists = today_lists(store=self.store, day=day)
        to_clean = list(room_list(store=self.store, filters={"is_active": True, "housekeeping": "dirty"}))
        cleaning = list(room_list(store=self.store, filters={"is_active": True, "housekeeping": "cleaning"}))
        deposits = deposits_held(order_ids=[row["id"] for row in lists["in_house"]])
        for row in lists["in_house"]:
            row["deposit"] = deposits.get(row["id"])
        context.update(day=day, lists=lists, dirty_rooms=to_clean + cleaning,
                       due_out_ids={row["id"] for row in lists["departures"]})
        return context


# --- check-in ------------------------------------------------------------------------------------


def desk_methods(store) -> list:
    """The store's payment methods the desk takes money by (active; not the OTA's prepaid)."""
    return [m for m in payment_methods_ensure(store=store)
            if m.is_active and m.method_type != "ota_prepaid" and m.method_type not in PaymentMethod.MEMBER_TYPES]


class BookingView(OrderCreateView):
    """A reservation or a walk-in (orders' page) with a prepayment and a deposit taken in
    the same action (``stay_book``)."""

    form_class = BookingForm

    def form_kwargs(self) -> dict:
        self.methods = desk_methods(self.store)
        return {"methods": self.methods}

    def make_form(self, data=None):
        """The room picker lists the rooms free for the dates asked first, marked 净 / 脏 /
        维修 (``desk_room_choices``)."""
        form = super().make_form(data)
        arrival, departure = form.initial.get("arrival"), form.initial.get("departure")
        if arrival and departure and departure > arrival:
            rooms = self.rooms()
            taken = rooms_taken(store=self.store, start=arrival, end=departure)
            form.fields["room"].choices = desk_room_choices(rooms, taken, form.initial.get("room_type"))
        return form

    def create(self, data) -> Order:
        if data.get("room"):
            # a room of another type than the one picked switches the type, as check-in does
            data = {**data, "room_type": None}
        methods = {m.pk: m for m in self.methods}
        order = stay_book(lambda: super(BookingView, self).create(data), actor=self.request.user,
                          payment=desk_money_from(data, methods, "pay"), deposit=desk_money_from(data, methods, "deposit"))
        _warn_blacklisted(self.request, order)
        return order


def _warn_blacklisted(request, order: Order) -> None:
    """The desk is warned (not stopped) when a guest or the booker is on the tenant's
    blacklist (apps.members): the reason, who put them there and when."""
    for entry in blacklist_for_order(order=order):
        messages.warning(request, _("Blacklisted guest %(name)s: %(reason)s (%(by)s, %(at)s)") % {
            "name": entry.contact.full_name, "reason": entry.reason, "by": entry.actor.username if entry.actor else "—",
            "at": entry.created_at.date().isoformat()})


class OrderPageMixin(StoreScopedPageMixin):
    """A store page about one order (``pk``): 404 for an order of another store or none."""

    def get_order(self) -> Order:
        try:
            return order_get(store=self.store, order_id=self.kwargs["pk"])
        except NotFoundError:
            raise Http404 from None


class CheckInView(OrderPageMixin, TemplateView):
    """Check in: the room (assigned, or chosen now) and each guest's document, in one go."""

    template_name = "frontdesk/check_in.html"

    def make_form(self, order: Order, data=None) -> CheckInForm:
        rooms = list(room_list(store=self.store, filters={"is_active": True}))
        taken = rooms_taken(store=self.store, start=max(order.arrival, business_date(store=self.store)), end=order.departure,
                            order_id=order.pk)
        methods = desk_methods(self.store)
        # the amount due is shown, not prefilled: a deposit alone must not record a payment never received
        return CheckInForm(data, initial={"room": order.room_id}, rooms=rooms, methods=methods, taken=taken,
                           room_type_id=order.room_type_id,
                           guests=order_staying_guests(order=order), id_types=list(Contact.IdType.choices))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = kwargs.get("order") or self.get_order()
        today = business_date(store=self.store)
        context.update(order=order, today=today, form=kwargs.get("form") or self.make_form(order),
                       actions=order_actions(order=order, today=today), blacklisted=blacklist_for_order(order=order))
        return context

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        form = self.make_form(order, request.POST)
        if form.is_valid():
            try:
                _type, room = stay_target(store=self.store, room_id=form.cleaned_data["room"])
                stay_check_in(order=order_for_update(store=self.store, order_id=order.pk), actor=request.user, room=room,
                              documents=form.documents(), payment=form.money("pay"), deposit=form.money("deposit"))
            except GuestDocumentRefused as exc:
                form.add_error(f"g{exc.extra['contact_id']}_id_number", exc.message)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("%(guest)s checked in to %(room)s.") % {
                    "guest": order.primary_contact_name or order.code, "room": room.number})
                url = reverse("order-detail", kwargs={"store_id": self.store.pk, "pk": order.pk})
                return HttpResponseRedirect(next_url(request, url))
        return self.render_to_response(self.get_context_data(order=order, form=form))


# --- check-out ---------------------------------------------------------------------------------------


class CheckOutView(StoreScopedPageMixin, View):
    """Check a guest out from the order page, the today board or the grid (POST): the bill
    settled, or a manager's ``override_reason``."""

    def post(self, request, store_id: int, pk: int):
        url = reverse("order-detail", kwargs={"store_id": self.store.pk, "pk": pk})
        try:
            order = order_for_update(store=self.store, order_id=pk)
        except NotFoundError:
            raise Http404 from None
        # a manager may check out with a balance, saying why (recorded on the folios)
        override = (request.POST.get("override_reason") or "").strip() or None
        try:
            order = stay_check_out(order=order, actor=request.user, override_reason=override)
        except DomainError as exc:
            return write_refused(request, exc, url)
        message = _("%(guest)s checked out of %(room)s; the room is dirty.") % {
            "guest": order.primary_contact_name or order.code, "room": order.room.number if order.room_id else "",
        }
        if order.due_amount < 0:
            message += " " + _("%(amount)s is owed back to the guest: refund it on the folio.") % {"amount": -order.due_amount}
        return write_done(request, message, url)


# --- cancellation and no-show ---------------------------------------------------------------------


class CancelView(StoreScopedPageMixin, View):
    """Cancel an order from its page (POST ``reason``): the fee of its terms, shown on the
    page beforehand, is charged to its folio."""

    def run(self, order: Order) -> Order:
        return stay_cancel(order=order, actor=self.request.user, reason=self.request.POST.get("reason", ""))

    def post(self, request, store_id: int, pk: int):
        url = reverse("order-detail", kwargs={"store_id": self.store.pk, "pk": pk})
        try:
            order = order_for_update(store=self.store, order_id=pk)
        except NotFoundError:
            raise Http404 from None
        try:
            order = self.run(order)
        except DomainError as exc:
            return write_refused(request, exc, url)
        message = _("Order %(code)s: %(status)s.") % {"code": order.code, "status": Order.Status(order.status).label}
        if order.fee:
            message += " " + _("A fee of %(fee)s is charged to the folio.") % {"fee": order.fee}
        return write_done(request, message, url)


class NoShowView(CancelView):
    """Mark a no-show from the order page or the today board: the no-show fee of the
    order's terms is charged to its folio."""

    def run(self, order: Order) -> Order:
        return stay_no_show(order=order, actor=self.request.user)


# --- extension ---------------------------------------------------------------------------------------


class ExtendView(OrderPageMixin, TemplateView):
    """Extend a stay from the order page: a GET with the new departure shows what the
    extension does (every night's rate before and after, the adjustment of the nights
    already on the folio, the new total and due: ``order_extend_quote``) and a confirm
    button; the POST extends (``stay_extend``)."""

    template_name = "frontdesk/extend.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.get_order()
        form = ExtendForm(self.request.GET) if "departure" in self.request.GET else ExtendForm(
            initial={"departure": order.departure + timedelta(days=1)})
        quote = refusal = None
        if form.is_bound and form.is_valid():
            try:
                quote = order_extend_quote(order=order, departure=form.cleaned_data["departure"])
            except DomainError as exc:
                refusal = exc.message
            else:
                labels = dict(OrderItem.RateSource.choices)
                for night in quote["nights"]:
                    night["source_label"] = labels.get(night["rate_source"], night["rate_source"])
                quote["discount"] = -quote["adjustment"]
        context.update(order=order, form=form, quote=quote, refusal=refusal)
        return context

    def post(self, request, store_id: int, pk: int):
        url = reverse("order-detail", kwargs={"store_id": self.store.pk, "pk": pk})
        try:
            order = order_for_update(store=self.store, order_id=pk)
        except NotFoundError:
            raise Http404 from None
        form = ExtendForm(request.POST)
        if not form.is_valid():
            return write_refused(request, DomainError("invalid", _("Enter the new departure date."), status=400,
                                                      extra={"fields": {"departure": [_("Enter a valid date.")]}}), url)
        try:
            order = stay_extend(order=order, actor=request.user, departure=form.cleaned_data["departure"])
        except DomainError as exc:
            return write_refused(request, exc, url)
        message = _("Extended to %(date)s; total %(total)s.") % {"date": order.departure.isoformat(), "total": order.total_amount}
        return write_done(request, message, url)


# --- the guest's page -------------------------------------------------------------------------------


class GuestDetailView(StoreScopedPageMixin, TemplateView):
    """A guest's profile (masked by default) and stays at the store; reveal (logged),
    export and erase are POST actions."""

    template_name = "frontdesk/guest_detail.html"

    def get_contact(self):
        return contact_get(store=self.store, contact_id=self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except DomainError as exc:
            if exc.status == 404:
                raise Http404 from exc
            raise

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = kwargs.get("contact") or self.get_contact()
        can_reveal = contact_can_reveal(user=self.request.user, store=self.store)
        context.update(
            contact=contact,
            can_reveal=can_reveal,
            revealed=kwargs.get("revealed"),
            reveals=list(contact_reveal_log(contact=contact)[:10]) if can_reveal else [],
            stays=stays_for_contact(store=self.store, contact_id=contact.pk),
        )
        return context

    def post(self, request, *args, **kwargs):
        contact = self.get_contact()
        action = request.POST.get("action")
        page = reverse("guest-detail", kwargs={"store_id": self.store.pk, "pk": contact.pk})
        try:
            if action == "reveal":
                values = contact_reveal(contact=contact, actor=request.user, reason=request.POST.get("reason", ""))
                return self.render_to_response(self.get_context_data(contact=contact, revealed=values, **kwargs))
            if action == "export":
                data = contact_export(contact=contact, actor=request.user)
                response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
                response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
                response["Cache-Control"] = "no-store"
                return response
            if action == "erase":
                contact_erase(contact=contact, actor=request.user)
                messages.success(request, _("The guest's personal data has been erased."))
                return HttpResponseRedirect(page)
        except DomainError as exc:
            if exc.status == 404:
                raise
            messages.error(request, exc.message)
            return HttpResponseRedirect(page)
        return HttpResponseRedirect(request.path)
