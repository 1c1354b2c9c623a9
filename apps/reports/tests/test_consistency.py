"""Every report figure equals an independent recomputation from orders and the ledger.

A seeded random walk over three weeks of one store drives the desk through its services:
bookings through three channels (walk-ins checked in at once), check-ins, check-outs on
time, early and the same day (some with a manager's override, leaving a balance), extras,
payments, refunds, deposits, voids and moves of charges posted days before (after their
day's audit), rooms out of order, cancellations (with the fee of the order's terms) and
the audit's no-shows, and the night audit of every day. Then the 营业日报 of every closed
day, the range report of the whole period (closed nights, the open day and the future)
and the channel mix are compared with figures computed here, in Python, from the final
rows of orders, order lines, locks and the ledger, by the definitions of docs/reports.md
written again (not by the reports' SQL). What the audit saw at the time (a stay in the
house, a cancellation during the day) is also kept by the walk itself and compared.

``REPORT_SEEDS=1,2,3,...`` runs more walks (default: two).
"""
from __future__ import annotations

import os
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from apps.common.errors import DomainError
from apps.folios import services as folios
from apps.folios.models import FolioTransaction
from apps.folios.tests.factories import ExtraChargeItemFactory, methods_for
from apps.frontdesk.services import stay_cancel, stay_check_out
from apps.night_audit.models import NightAudit
from apps.night_audit.services import night_audit_run
from apps.orders import services as orders
from apps.orders.models import Channel, Order, OrderItem
from apps.orders.tests.factories import ChannelFactory, booking, room_type_with_rooms
from apps.reports import selectors
from apps.rooms import inventory
from apps.rooms.models import RoomNight
from apps.rooms.tests.factories import RoomLockFactory
from apps.tenancy.business_day import business_date, store_local_date
from tests.fixtures import set_business_date

pytestmark = pytest.mark.slow

S = Order.Status
D = Decimal
ZERO = D("0.00")
ROOMS = 6  # room 6 (index 5) is only ever taken out of order; stays use the other five
DAYS = 21
SEEDS = [int(s) for s in os.environ.get("REPORT_SEEDS", "7,19").split(",")]


def _q(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _ratio(a, b):
    return (D(a) / D(b)).quantize(D("0.0001"), rounding=ROUND_HALF_UP) if b else None


def _money(a, b):
    return _q(D(a) / D(b)) if b else None


def _try(fn):
    try:
        with transaction.atomic():
            return fn()
    except DomainError:
        return None


class Walk:
    def __init__(self, store, rt, rooms, manager, clerk, rnd: random.Random, start: date):
        self.store, self.rt, self.rooms, self.manager, self.clerk, self.rnd = store, rt, rooms, manager, clerk, rnd
        self.day = start
        self.methods = methods_for(store)
        self.channels = {c.code: c for c in Channel.objects.filter(store=store, code__in=["direct", "ctrip", "walk_in"])}
        self.food = ExtraChargeItemFactory(store=store, name="Breakfast", default_price=D("38.00"), category="food")
        self.laundry = ExtraChargeItemFactory(store=store, name="Laundry", default_price=D("25.00"), category="laundry")
        self.orders: list[Order] = []
        self.cancelled_on: dict[date, int] = defaultdict(int)
        self.walk_ins_on: dict[date, int] = defaultdict(int)
        self.locked: set[date] = set()

    def refresh(self):
        for o in self.orders:
            o.refresh_from_db()

    def held_on(self, night: date) -> int:
        return sum(1 for o in self.orders if o.status in Order.HOLDING | {S.PENDING_CONFIRMATION}
                   and o.arrival <= night < o.departure)

    def book(self, walk_in=False):
        rnd = self.rnd
        arrival = self.day if walk_in else self.day + timedelta(days=rnd.randint(0, 4))
        nights = rnd.randint(1, 3)
        span = [arrival + timedelta(days=k) for k in range(nights)]
        if any(self.held_on(n) >= ROOMS - 1 for n in span):
            return
        rates = {n: D(rnd.randint(20000, 60000)) / 100 for n in span}
        channel = self.channels["walk_in"] if walk_in else self.channels[rnd.choice(["direct", "ctrip", "ctrip"])]
        order = orders.order_create(store=self.store, actor=self.clerk, channel=channel, confirm=True,
                                    source=Order.Source.WALK_IN if walk_in else Order.Source.MANUAL,
                                    **booking(room_type=self.rt, arrival=arrival, departure=arrival + timedelta(days=nights),
                                              nightly_prices=rates))
        self.orders.append(order)
        if walk_in and self.check_in(order):
            self.walk_ins_on[self.day] += 1

    def check_in(self, order) -> bool:
        busy = {o.room_id for o in self.orders if o.status in Order.IN_HOUSE}
        for room in self.rooms[:ROOMS - 1]:
            if room.pk in busy:
                continue
            if _try(lambda room=room: orders.order_check_in(order=order, actor=self.clerk, room=room)) is not None:
                order.refresh_from_db()
                return True
        return False

    def folio(self, order):
        return folios.folio_primary_for_order(order=order)

    def posted(self, kinds=("room_night", "extra")):
        """Charges posted on an earlier business day (already audited) still standing."""
        return list(FolioTransaction.objects.filter(
            store=self.store, transaction_type="charge", charge_type__in=kinds, business_date__lt=self.day,
            taken_back_by__isnull=True, moved_to__isnull=True, folio__closed_at__isnull=True))

    def step(self):
        rnd, day = self.rnd, self.day
        self.refresh()
        for _ in range(rnd.randint(1, 3)):
            self.book()
        if rnd.random() < 0.3:
            self.book(walk_in=True)
        for o in [o for o in self.orders if o.status == S.CONFIRMED and o.arrival == day]:
            if rnd.random() < 0.8:
                self.check_in(o)
        for o in [o for o in self.orders if o.status in (S.CONFIRMED, S.PENDING_CONFIRMATION) and o.arrival > day]:
            if rnd.random() < 0.08 and _try(lambda o=o: stay_cancel(order=o, actor=self.clerk, reason="plans changed")):
                self.cancelled_on[day] += 1
        in_house = [o for o in self.orders if o.status in Order.IN_HOUSE]
        for o in in_house:
            folio = self.folio(o)
            r = rnd.random()
            if r < 0.25:
                folios.folio_post_charge(folio=folio, actor=self.clerk, extra_item=rnd.choice([self.food, self.laundry]),
                                         quantity=rnd.randint(1, 2))
            elif r < 0.35:
                folios.folio_post_charge(folio=folio, actor=self.clerk, description="Damage",
                                         unit_price=D(rnd.randint(1000, 9000)) / 100)
            r = rnd.random()
            if r < 0.4:
                folios.folio_post_payment(folio=folio, actor=self.clerk, amount=D(rnd.randint(5000, 80000)) / 100,
                                          payment_method=self.methods[rnd.choice(["cash", "wechat", "alipay"])])
            elif r < 0.5:
                folios.folio_post_deposit(folio=folio, actor=self.clerk, amount=D("300.00"), payment_method=self.methods["cash"])
            folio.refresh_from_db()
            if folio.total_payments - folio.total_refunds > 50 and rnd.random() < 0.15:
                folios.folio_post_refund(folio=folio, actor=self.clerk, amount=D("20.00"), payment_method=self.methods["wechat"],
                                         reason="owed back")
        # corrections after the audit: a void or a move of a charge posted on an earlier day
        earlier = self.posted()
        if earlier and rnd.random() < 0.5:
            tx = rnd.choice(earlier)
            _try(lambda: folios.folio_transaction_void(tx=tx, actor=self.manager, reason="wrong"))
        earlier = self.posted()
        open_folios = [self.folio(o) for o in self.orders if o.status in Order.IN_HOUSE]
        if earlier and len(open_folios) > 1 and rnd.random() < 0.4:
            tx = rnd.choice(earlier)
            target = rnd.choice([f for f in open_folios if f.pk != tx.folio_id] or [None])
            if target is not None:
                _try(lambda: folios.folio_transaction_move(tx=tx, target=target, actor=self.manager, reason="other room"))
        # check-outs: due today, early, or the same day they came
        for o in [o for o in self.orders if o.status in Order.IN_HOUSE]:
            if o.departure <= day or rnd.random() < 0.12:
                self.check_out(o)
        # a room out of order tonight
        if rnd.random() < 0.3 and day not in self.locked:
            room = self.rooms[ROOMS - 1]
            lock = RoomLockFactory(room=room, start_date=day, end_date=day + timedelta(days=1))
            inventory.hold_lock(store_id=self.store.pk, lock_id=lock.pk, room=room, nights=[day])
            self.locked.add(day)

    def check_out(self, o):
        """Half settle first (deposit back, what is due paid) and leave; the others leave
        with a manager's override, owing their balance."""
        if self.rnd.random() < 0.5:
            folio = self.folio(o)
            if folio.total_deposits > folio.total_deposit_returns:
                folios.folio_post_deposit_return(folio=folio, actor=self.clerk,
                                                 amount=folio.total_deposits - folio.total_deposit_returns,
                                                 payment_method=self.methods["cash"])
            o.refresh_from_db()
            if o.due_amount > 0:
                folios.folio_post_payment(folio=folio, actor=self.clerk, amount=o.due_amount,
                                          payment_method=self.methods["wechat"])
            if _try(lambda: stay_check_out(order=o, actor=self.clerk)) is None:
                stay_check_out(order=o, actor=self.manager, override_reason="settles later")
        else:
            stay_check_out(order=o, actor=self.manager, override_reason="company pays")
        o.refresh_from_db()

    def audit(self):
        outcome = night_audit_run(store=self.store, trigger=NightAudit.Trigger.API, actor=self.manager)
        assert outcome.ran
        self.day += timedelta(days=1)
        assert business_date(store=self.store) == self.day


# --- the independent recomputation -------------------------------------------------------------


def expected_nights(store, first: date, last: date, audited_until: date) -> dict[date, dict]:
    """Per night: rooms, out of order, available, sold, room and other revenue, by the
    definitions of docs/reports.md, from the final rows."""
    all_orders = list(Order.objects.filter(store=store))
    ledger = list(FolioTransaction.objects.filter(store=store, posts_to="charges"))
    rooms = 6
    locks = defaultdict(int)
    for night in RoomNight.objects.filter(store=store, kind=RoomNight.Kind.LOCK).values_list("night", flat=True):
        locks[night] += 1
    lines = defaultdict(list)
    holding = {o.pk for o in all_orders if o.status in Order.HOLDING}
    for item in OrderItem.objects.filter(order__store=store, kind="room_night"):
        if item.order_id in holding:
            lines[item.service_date].append(item.total_price)
    out = {}
    n = first
    while n <= last:
        ooo = locks[n]
        if n < audited_until:
            sold = sum(1 for o in all_orders if o.status in Order.ARRIVED and o.arrival <= n < o.departure)
            room = sum((t.amount for t in ledger if t.business_date == n and t.charge_type == "room_night"), ZERO)
        else:
            sold = len(lines[n])
            room = sum(lines[n], ZERO)
        other = sum((t.amount for t in ledger if t.business_date == n and t.charge_type != "room_night"), ZERO)
        out[n] = {"rooms_total": rooms, "rooms_out_of_order": ooo, "rooms_available": rooms - ooo, "rooms_sold": sold,
                  "room_revenue": room, "other_revenue": other}
        n += timedelta(days=1)
    return out


def expected_day(store, day: date) -> dict:
    """The 营业日报's ledger and order figures of ``day``, recomputed row by row."""
    orders_by_id = {o.pk: o for o in Order.objects.filter(store=store)}
    rows = list(FolioTransaction.objects.filter(store=store).select_related("folio", "extra_item", "payment_method"))
    extras, fees, by_method = defaultdict(lambda: ZERO), ZERO, defaultdict(lambda: defaultdict(lambda: ZERO))
    in_house = departed = deposits = ZERO
    for t in rows:
        o = orders_by_id[t.folio.order_id]
        if t.business_date == day:
            if t.posts_to == "charges" and t.charge_type == "extra":
                extras[t.extra_item.category if t.extra_item else ""] += t.amount
            elif t.posts_to == "charges" and t.charge_type == "manual":
                fees += t.amount
            elif t.payment_method_id:
                by_method[t.payment_method.method_type][t.posts_to] += t.amount
        if t.business_date <= day:
            sign = {"charges": 1, "refunds": 1, "discounts": -1, "payments": -1}.get(t.posts_to, 0)
            came = o.status in Order.ARRIVED
            if came and o.arrival <= day < o.departure:
                in_house += sign * t.amount
            elif came and o.departure <= day:
                departed += sign * t.amount
            deposits += {"deposits": 1, "deposit_returns": -1}.get(t.posts_to, 0) * t.amount
    collections = {}
    for method_type, m in by_method.items():
        amounts = {k: m[k] for k in ("payments", "refunds", "deposits", "deposit_returns")}
        amounts["net"] = amounts["payments"] - amounts["refunds"] + amounts["deposits"] - amounts["deposit_returns"]
        if any(amounts.values()):
            collections[method_type] = amounts
    all_orders = list(orders_by_id.values())
    return {
        "extras": {k: v for k, v in extras.items()}, "fees": fees, "collections": collections,
        "in_house": in_house, "departed": departed, "deposits": deposits,
        "arrivals": sum(1 for o in all_orders if o.status in Order.ARRIVED and o.arrival == day),
        "departures": sum(1 for o in all_orders if o.status == S.CHECKED_OUT and o.departure == day),
        "no_shows": sum(1 for o in all_orders if o.status == S.NO_SHOW and o.arrival == day),
        "walk_ins": sum(1 for o in all_orders if o.status in Order.ARRIVED and o.arrival == day
                        and o.source == Order.Source.WALK_IN),
    }


def expected_channels(store, first: date, last: date) -> dict[str, dict]:
    tz = ZoneInfo(store.time_zone)
    out: dict[str, dict] = defaultdict(lambda: {"nights": 0, "revenue": ZERO, "orders": 0, "cancelled": 0, "lead": []})
    items = defaultdict(list)
    for item in OrderItem.objects.filter(order__store=store, kind="room_night", service_date__gte=first, service_date__lte=last):
        items[item.order_id].append(item.total_price)
    for o in Order.objects.filter(store=store).select_related("channel"):
        e = out[o.channel.code]
        if o.status in Order.HOLDING:
            e["nights"] += len(items[o.pk])
            e["revenue"] += sum(items[o.pk], ZERO)
        if first <= o.arrival <= last:
            e["orders"] += 1
            e["cancelled"] += o.status == S.CANCELLED
            if o.status in Order.HOLDING:
                e["lead"].append((o.arrival - o.created_at.astimezone(tz).date()).days)
    return {k: v for k, v in out.items() if v["nights"] or v["orders"]}


@pytest.mark.parametrize("seed", SEEDS)
def test_every_report_figure_equals_its_recomputation(seed, store, world):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    ChannelFactory(store=store, code="ctrip", name="Ctrip", channel_type="ota")
    ChannelFactory(store=store, code="walk_in", name="Walk-in", channel_type="walk_in")
    rt, rooms = room_type_with_rooms(store, ROOMS, price="300.00", name="Standard")
    today = store_local_date(store=store)
    start = today - timedelta(days=DAYS)
    set_business_date(store, start)
    walk = Walk(store, rt, rooms, world.alpha.users["manager_a1"], world.alpha.users["clerk_a1"], random.Random(seed), start)
    seen_in_house: dict[date, int] = {}
    while walk.day < today:
        walk.step()
        walk.refresh()
        seen_in_house[walk.day] = sum(1 for o in walk.orders if o.status in Order.ARRIVED
                                      and o.arrival <= walk.day < o.departure)
        walk.audit()
    walk.step()  # the open day: live figures
    closed_until = walk.day

    # 营业日报 of every closed day
    for day in sorted(seen_in_house):
        report = selectors.daily_report(stores=[store], day=day)
        (got,) = report["stores"]
        night = expected_nights(store, day, day, closed_until)[day]
        exp = expected_day(store, day)
        assert got["rooms_sold"] == night["rooms_sold"] == seen_in_house[day], day
        assert (got["rooms_total"], got["rooms_out_of_order"], got["rooms_available"]) == (
            night["rooms_total"], night["rooms_out_of_order"], night["rooms_available"]), day
        assert got["revenue"]["rooms"] == _q(night["room_revenue"]), day
        assert got["revenue"]["other"] == _q(night["other_revenue"]), day
        assert got["revenue"]["total"] == _q(night["room_revenue"] + night["other_revenue"]), day
        assert got["occupancy"] == _ratio(night["rooms_sold"], night["rooms_available"]), day
        assert got["adr"] == _money(night["room_revenue"], night["rooms_sold"]), day
        assert got["revpar"] == _money(night["room_revenue"], night["rooms_available"]), day
        assert {x["category"]: x["amount"] for x in got["revenue"]["extras"]} == {
            k: _q(v) for k, v in exp["extras"].items()}, day
        assert got["revenue"]["fees_and_manual"] == _q(exp["fees"]), day
        assert sum((t["amount"] for t in got["room_types"]), ZERO) == _q(night["room_revenue"]), day
        assert {m["method_type"]: {k: m[k] for k in ("payments", "refunds", "deposits", "deposit_returns", "net")}
                for m in got["collections"]["by_method"]} == exp["collections"], day
        assert (got["deposits_held"], got["balance_in_house"], got["balance_departed"]) == (
            _q(exp["deposits"]), _q(exp["in_house"]), _q(exp["departed"])), day
        assert (got["arrivals"], got["departures"], got["no_shows"], got["walk_ins"]) == (
            exp["arrivals"], exp["departures"], exp["no_shows"], exp["walk_ins"]), day
        assert got["walk_ins"] == walk.walk_ins_on[day], day
        assert got["cancellations"] == walk.cancelled_on[day], day

    # the range of the whole walk, the open day and four nights ahead
    first, last = start, closed_until + timedelta(days=4)
    nights = expected_nights(store, first, last, closed_until)
    report = selectors.range_report(stores=[store], start=first, end=last, granularity="week")
    sold = sum(n["rooms_sold"] for n in nights.values())
    available = sum(n["rooms_available"] for n in nights.values())
    room = sum((n["room_revenue"] for n in nights.values()), ZERO)
    other = sum((n["other_revenue"] for n in nights.values()), ZERO)
    total = report["total"]
    assert (total["rooms_sold"], total["rooms_available"], total["audited_nights"]) == (sold, available, DAYS)
    assert (total["room_revenue"], total["total_revenue"]) == (_q(room), _q(room + other))
    assert (total["occupancy"], total["adr"], total["revpar"]) == (
        _ratio(sold, available), _money(room, sold), _money(room, available))
    for b in report["buckets"]:
        span = [v for k, v in nights.items() if b["start"] <= k <= b["end"]]
        assert b["rooms_sold"] == sum(n["rooms_sold"] for n in span), b["start"]
        assert b["room_revenue"] == _q(sum((n["room_revenue"] for n in span), ZERO)), b["start"]
    assert sum(b["rooms_sold"] for b in report["buckets"]) == sold
    assert report["previous"]["rooms_sold"] == 0 and report["last_year"]["rooms_sold"] == 0

    # channel mix of the walk
    mix = selectors.channel_mix(stores=[store], start=first, end=last)
    expected = expected_channels(store, first, last)
    got = {c["code"]: c for c in mix["channels"]}
    assert set(got) == set(expected)
    for code, e in expected.items():
        c = got[code]
        assert (c["nights"], c["revenue"], c["orders"], c["cancelled"]) == (e["nights"], _q(e["revenue"]), e["orders"],
                                                                              e["cancelled"]), code
        assert c["adr"] == _money(e["revenue"], e["nights"]), code
        assert c["cancellation_rate"] == _ratio(e["cancelled"], e["orders"]), code
        lead = (D(sum(e["lead"])) / len(e["lead"])).quantize(D("0.1"), rounding=ROUND_HALF_UP) if e["lead"] else None
        assert c["avg_lead_days"] == lead, code
    # consumption: the extras of the ledger over the walk
    extras = FolioTransaction.objects.filter(store=store, posts_to="charges", charge_type="extra",
                                             business_date__gte=first, business_date__lte=last)
    eaten = selectors.consumption(stores=[store], start=first, end=last)
    assert eaten["total"]["amount"] == _q(sum((t.amount for t in extras), ZERO))
    assert eaten["total"]["quantity"] == sum(t.quantity if t.amount > 0 else -t.quantity for t in extras)
    # the walk did what it is meant to exercise
    statuses = {o.status for o in Order.objects.filter(store=store)}
    assert {S.CHECKED_OUT, S.NO_SHOW, S.CHECKED_IN} <= statuses
    assert FolioTransaction.objects.filter(store=store, transaction_type="reversal").exists()
    assert walk.locked
