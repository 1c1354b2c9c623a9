"""Property: whatever the desk does to a store's stays, the folio, the order and the night
audit tell one story (issue 16, docs/folios.md "Money truth").

Hypothesis draws sequences of bookings (pending or confirmed, each night's rate locked at
booking, sometimes an extra booked with them), confirmations, check-ins, charges (extras,
manual), discounts, payments, deposits, refunds, deposit returns, voids, room moves,
extensions, night audits, check-outs (same day, early, on time, late), cancellations and
no-shows (at the desk and by the audit, each charged the fee of the order's terms), run
through the services against PostgreSQL. After every step each order is held
against an **independent model** written here (nights x rates locked at booking, what was
charged and paid), not against the code's own derivation:

- the order's ``due_amount`` (and ``total_amount``) equals the model's, and equals the sum of
  its folios' ``amount_due`` (the balance including the nights not yet posted);
- the room charges posted for a stay are exactly the nights used at their locked rates, each
  night at most once (voided ones stay voided);
- a cancellation or no-show charges the fee of the store's default terms, worded here from
  the requirements (free until 24 h before the 14:00 check-in, then the first night; a
  no-show its first night; never-confirmed orders cancel free), dated the open business day;
- after each audit, the day's figures (``DailyStoreStats``) equal the ledger's rows of that
  business day and the model's.

``make test`` runs a fixed number of examples with a fixed seed; ``MONEY_EXAMPLES=500``
runs longer. Each example runs in a savepoint rolled back at its end, with the store's
business date set eight days back so that audits can close days.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, seed, settings
from hypothesis import strategies as st

from apps.common.errors import DomainError
from apps.folios import services as folios
from apps.folios.models import Folio, FolioTransaction
from apps.folios.tests.factories import methods_for
from apps.frontdesk.services import stay_cancel, stay_check_out, stay_no_show
from apps.night_audit.models import DailyStoreStats, NightAudit
from apps.night_audit.services import night_audit_run
from apps.orders import services as orders
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, booking, room_type_with_rooms
from apps.tenancy.business_day import business_date, store_local_date
from tests.fixtures import set_business_date

pytestmark = pytest.mark.slow

D = Decimal
ZERO = D("0.00")
S = Order.Status
EXAMPLES = int(os.environ.get("MONEY_EXAMPLES", "60"))
ROOMS = 4
BASE_PRICE = D("300.00")  # the room type's price: nights added by an extension are sold at it
CALLED_OFF = (S.CANCELLED, S.NO_SHOW)

rate = st.integers(min_value=1, max_value=99_999).map(lambda c: D(c) / 100)
amount = st.integers(min_value=1, max_value=80_000).map(lambda c: D(c) / 100)
who = st.integers(min_value=0, max_value=50)  # which order (modulo the ones there are)
BOOK = st.tuples(st.just("book"), st.sampled_from([0, 0, 1, 2]), st.lists(rate, min_size=1, max_size=3), st.sampled_from([True, True, False]),
                 st.sampled_from([None, D("38.00")]))
# Weighted towards the stay's life (check-in, audits, check-out): each entry is one draw.
STEP = st.one_of(
    BOOK, BOOK,
    st.tuples(st.just("confirm"), who),
    st.tuples(st.just("check_in"), who),
    st.tuples(st.just("check_in"), who),
    st.tuples(st.just("check_in"), who),
    st.tuples(st.just("extra"), who, amount),
    st.tuples(st.just("manual"), who, amount),
    st.tuples(st.just("discount"), who, amount),
    st.tuples(st.just("payment"), who, amount),
    st.tuples(st.just("pay_due"), who),
    st.tuples(st.just("deposit"), who, amount),
    st.tuples(st.just("refund"), who, amount),
    st.tuples(st.just("deposit_return"), who),
    st.tuples(st.just("void"), who, st.integers(0, 50)),
    st.tuples(st.just("move_room"), who),
    st.tuples(st.just("extend"), who, st.integers(1, 2)),
    st.tuples(st.just("audit"),),
    st.tuples(st.just("audit"),),
    st.tuples(st.just("check_out"), who),
    st.tuples(st.just("check_out"), who),
    st.tuples(st.just("check_out"), who),
    st.tuples(st.just("check_out"), who),
    st.tuples(st.just("check_in"), who),
    st.tuples(st.just("check_in"), who),
    st.tuples(st.just("pay_due"), who),
    st.tuples(st.just("audit"),),
    st.tuples(st.just("cancel"), who),
    st.tuples(st.just("no_show"), who),
)


@dataclass
class Stay:
    """The model of one order: what it sold and what its folio holds."""

    order: Order
    rates: dict[date, Decimal]  # the nights of the stay, each at the rate locked when it was sold
    status: str
    unposted_extras: Decimal = ZERO  # booked on the order, not charged yet
    posted_nights: dict[date, int] = field(default_factory=dict)  # night -> its ledger row
    voided_nights: set = field(default_factory=set)
    charged: Decimal = ZERO  # charges - discounts on the folio (room nights included)
    discounted: Decimal = ZERO
    paid: Decimal = ZERO  # payments - refunds
    refunded: Decimal = ZERO
    deposit: Decimal = ZERO
    rows: list = field(default_factory=list)  # (ledger row id, kind, amount, night)
    confirmed: bool = False  # confirmed once (a never-confirmed order cancels free)
    check_out: str = ""  # same day, early, on time, late

    @property
    def unposted(self) -> Decimal:
        if self.status in CALLED_OFF:
            return ZERO
        nights = sum((r for n, r in self.rates.items() if n not in self.posted_nights), ZERO)
        return nights + self.unposted_extras

    @property
    def total(self) -> Decimal:
        return self.charged + self.unposted

    @property
    def due(self) -> Decimal:
        return self.total - self.paid

    @property
    def payments(self) -> Decimal:
        return self.paid + self.refunded


@dataclass
class World:
    store: object
    rt: object
    clerk: object
    manager: object
    methods: dict
    day: date  # the store's open business date, as the model knows it
    stays: list = field(default_factory=list)
    # business day -> (room charges, other charges) posted that day, as the model counts them
    revenue: dict = field(default_factory=dict)

    def post(self, kind: str, value: Decimal) -> None:
        rooms, other = self.revenue.get(self.day, (ZERO, ZERO))
        self.revenue[self.day] = (rooms + value, other) if kind == "room" else (rooms, other + value)


@pytest.fixture
def base(store, world):
    """Store A1 of tenant alpha (the connection in its schema), a room type of its own."""
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    rt, _rooms = room_type_with_rooms(store, ROOMS, price=str(BASE_PRICE))
    rt.rooms_list = list(rt.rooms.order_by("id"))
    return World(store=store, rt=rt, clerk=world.alpha.users["clerk_a1"], manager=world.alpha.users["manager_a1"],
                 methods=methods_for(store), day=store_local_date(store=store) - timedelta(days=8))


def _pick(w: World, i: int, *states) -> Stay | None:
    stays = [s for s in w.stays if not states or s.status in states]
    return stays[i % len(stays)] if stays else None


def _folio(s: Stay) -> Folio:
    return folios.folio_primary_for_order(order=s.order)


def _refused(fn) -> str | None:
    try:
        with transaction.atomic():
            fn()
    except DomainError as exc:
        return exc.code
    return None


def _book(w: World, offset: int, rates: list, confirm: bool, extra) -> None:
    arrival = w.day + timedelta(days=offset)
    nights = {arrival + timedelta(days=k): r for k, r in enumerate(rates)}
    if len([s for s in w.stays if s.status not in CALLED_OFF and set(s.rates) & set(nights)]) >= ROOMS:
        return  # the model does not sell beyond the rooms (the inventory's own tests do)
    extras = [orders.ExtraIn(description="Breakfast", unit_price=extra, quantity=1)] if extra else []
    order = orders.order_create(store=w.store, actor=w.clerk, confirm=confirm, extras=extras, **booking(
        room_type=w.rt, arrival=arrival, departure=arrival + timedelta(days=len(rates)), nightly_prices=nights))
    w.stays.append(Stay(order=order, rates=nights, status=S.CONFIRMED if confirm else S.PENDING_CONFIRMATION,
                        unposted_extras=extra or ZERO, confirmed=confirm))


# The store's default terms, as the requirements word them (not read from the code): free
# cancellation until 24 hours before the 14:00 check-in of the arrival day, then the first
# night; a no-show is charged its first night; an order never confirmed cancels free.
FREE_HOURS, CHECK_IN = 24, time(14, 0)


def _fee(w: World, s: Stay, kind: str) -> Decimal:
    first_night = s.rates[min(s.rates)]
    if kind == "no_show":
        return first_night
    if not s.confirmed:
        return ZERO
    free_until = datetime.combine(min(s.rates), CHECK_IN, tzinfo=ZoneInfo(w.store.time_zone)) - timedelta(hours=FREE_HOURS)
    return ZERO if timezone.now() <= free_until else first_night


def _called_off(w: World, s: Stay, status: str) -> None:
    """Cancelled or a no-show: the fee of its terms is charged (dated the open business
    day), the nights are no longer owed."""
    fee = _fee(w, s, "no_show" if status == S.NO_SHOW else "cancel")
    s.status = status
    if fee:
        row = FolioTransaction.objects.filter(folio__order=s.order, charge_type="manual", amount=fee).order_by("-id").first()
        assert row is not None and row.business_date == w.day, (s.order.code, fee)
        s.charged += fee
        s.rows.append((row.pk, "manual", fee, None))
        w.post("other", fee)


def _check_in(w: World, s: Stay) -> None:
    if not (min(s.rates) <= w.day < max(s.rates) + timedelta(days=1)):
        return
    s.order.refresh_from_db()
    for room in w.rt.rooms_list:
        if _refused(lambda room=room: orders.order_check_in(order=s.order, actor=w.clerk, room=room)) is None:
            s.status = S.CHECKED_IN
            s.order.refresh_from_db()
            return


def _extend(w: World, s: Stay, more: int) -> None:
    last = max(s.rates)
    departure = last + timedelta(days=1 + more)
    if _refused(lambda: orders.order_extend(order=s.order, actor=w.clerk, departure=departure)) is None:
        for k in range(more):
            s.rates[last + timedelta(days=1 + k)] = BASE_PRICE
        s.status = S.EXTENDED


def _audit(w: World) -> None:
    if w.day >= store_local_date(store=w.store):
        return
    day = w.day
    outcome = night_audit_run(store=w.store, trigger=NightAudit.Trigger.API, actor=w.manager)
    assert outcome.ran
    for s in w.stays:
        if s.status in (S.CHECKED_IN, S.EXTENDED) and day in s.rates and day not in s.posted_nights:
            row = FolioTransaction.objects.get(folio__order=s.order, charge_type="room_night", service_date=day,
                                               transaction_type="charge")
            s.posted_nights[day] = row.pk
            s.charged += s.rates[day]
            s.rows.append((row.pk, "room", s.rates[day], day))
            w.post("room", s.rates[day])
        elif s.status == S.CONFIRMED and min(s.rates) <= day:
            _called_off(w, s, S.NO_SHOW)  # the audit's default policy marks them
    stats = DailyStoreStats.objects.get(store=w.store, date=day)
    ledger = FolioTransaction.objects.filter(store=w.store, business_date=day, posts_to="charges")
    rooms = ledger.filter(charge_type="room_night").aggregate(s=Sum("amount"))["s"] or ZERO
    other = ledger.exclude(charge_type="room_night").aggregate(s=Sum("amount"))["s"] or ZERO
    expected = w.revenue.get(day, (ZERO, ZERO))
    assert (stats.room_revenue, stats.other_revenue) == (rooms, other) == expected, day
    w.day = day + timedelta(days=1)
    assert business_date(store=w.store) == w.day


def _check_out(w: World, s: Stay) -> None:
    """The desk settles first (returns the deposit, takes what is owed counting the nights
    the check-out will charge), then checks out; an overpayment is left refundable."""
    arrival, departure = min(s.rates), max(s.rates) + timedelta(days=1)
    kept = min(departure, max(w.day, arrival + timedelta(days=1)))
    s.check_out = ("same day" if w.day == arrival else "early" if w.day < departure - timedelta(days=0) and kept < departure
                   else "on time" if w.day == departure else "late")
    used = {n: r for n, r in s.rates.items() if n < kept}
    to_charge = sum((r for n, r in used.items() if n not in s.posted_nights), ZERO) + s.unposted_extras
    folio = _folio(s)
    if s.deposit:
        folios.folio_post_deposit_return(folio=folio, actor=w.clerk, amount=s.deposit, payment_method=w.methods["cash"])
        s.deposit = ZERO
    owed = s.charged + to_charge - s.paid
    if owed > 0:
        _pay(w, s, owed)
    stay_check_out(order=s.order, actor=w.clerk)
    for night, r in used.items():
        if night not in s.posted_nights:
            row = FolioTransaction.objects.filter(
                folio__order=s.order, charge_type="room_night", service_date=night, transaction_type="charge").first()
            assert row is not None, f"{s.order.code}: the night of {night} was used and the check-out did not charge it"
            s.posted_nights[night] = row.pk
            s.charged += r
            w.post("room", r)
            assert night == w.day or night < w.day, night  # dated the open business day
    if s.unposted_extras:
        s.charged += s.unposted_extras
        w.post("other", s.unposted_extras)
        s.unposted_extras = ZERO
    s.rates = used
    s.status = S.CHECKED_OUT


def _pay(w: World, s: Stay, value: Decimal) -> None:
    """A payment; on a pending order, one that brings what is paid to the first night's rate
    confirms it (the store's default rule, 预付款成功 -> 已确认) while its stay is not over."""
    tx = folios.folio_post_payment(folio=_folio(s), actor=w.clerk, amount=value, payment_method=w.methods["wechat"])
    s.paid += value
    s.rows.append((tx.pk, "payment", value, None))
    if s.status == S.PENDING_CONFIRMATION and s.paid >= s.rates[min(s.rates)] and max(s.rates) >= w.day:
        s.status = S.CONFIRMED
        s.confirmed = True


def _void(w: World, s: Stay, k: int) -> None:
    """Void one of the stay's rows; the model predicts a refusal (a payment already
    refunded, a charge already discounted) and what the void takes back."""
    if not s.rows or s.status == S.CHECKED_OUT:
        return
    row = s.rows[k % len(s.rows)]
    pk, kind, value, night = row
    tx = FolioTransaction.objects.get(pk=pk)
    code = _refused(lambda: folios.folio_transaction_void(tx=tx, actor=w.manager, reason="wrong"))
    if kind == "payment":
        expected = "payment_already_refunded" if s.paid < value else None
    else:
        expected = "charge_already_discounted" if s.charged < value else None
    assert code == expected, (kind, value, code)
    if code is not None:
        return
    s.rows.remove(row)
    if kind == "payment":
        s.paid -= value
    else:
        s.charged -= value
        w.post("room" if kind == "room" else "other", -value)
        if kind == "room":
            s.voided_nights.add(night)


IN_HOUSE = (S.CHECKED_IN, S.EXTENDED)
# The stays a step picks from (the others would only be refused).
ELIGIBLE = {
    "confirm": (S.PENDING_CONFIRMATION,), "check_in": (S.CONFIRMED,), "move_room": IN_HOUSE, "extend": IN_HOUSE,
    "check_out": IN_HOUSE, "cancel": (S.PENDING_CONFIRMATION, S.CONFIRMED), "no_show": (S.CONFIRMED,),
    "extra": (S.PENDING_CONFIRMATION, S.CONFIRMED, *IN_HOUSE), "manual": (S.PENDING_CONFIRMATION, S.CONFIRMED, *IN_HOUSE),
    "discount": (S.PENDING_CONFIRMATION, S.CONFIRMED, *IN_HOUSE), "deposit": (S.PENDING_CONFIRMATION, S.CONFIRMED, *IN_HOUSE),
}


def _step(w: World, step: tuple) -> None:  # noqa: C901 - one branch per kind of step
    kind = step[0]
    if kind == "book":
        _book(w, *step[1:])
        return
    if kind == "audit":
        _audit(w)
        return
    s = _pick(w, step[1], *ELIGIBLE.get(kind, ()))
    if s is None:
        return
    open_folio = s.status != S.CHECKED_OUT
    if kind == "confirm" and s.status == S.PENDING_CONFIRMATION:
        if max(s.rates) >= w.day and _refused(lambda: orders.order_confirm(order=s.order, actor=w.clerk)) is None:
            s.status = S.CONFIRMED
            s.confirmed = True
    elif kind == "check_in" and s.status == S.CONFIRMED:
        _check_in(w, s)
    elif kind == "extra" and s.status not in CALLED_OFF and open_folio:
        tx = folios.folio_post_charge(folio=_folio(s), actor=w.clerk, charge_type="extra", description="Minibar",
                                      unit_price=step[2])
        s.charged += step[2]
        s.rows.append((tx.pk, "extra", step[2], None))
        w.post("other", step[2])
    elif kind == "manual" and open_folio:
        tx = folios.folio_post_charge(folio=_folio(s), actor=w.clerk, description="Damage", unit_price=step[2])
        s.charged += step[2]
        s.rows.append((tx.pk, "manual", step[2], None))
        w.post("other", step[2])
    elif kind == "discount" and open_folio:
        folio = _folio(s)
        room = folio.total_charges - folio.total_discounts
        if step[2] <= room:
            folios.folio_post_discount(folio=folio, actor=w.manager, amount=step[2], reason="regular guest")
            s.charged -= step[2]
            s.discounted += step[2]
    elif kind == "payment":
        _pay(w, s, step[2])
    elif kind == "pay_due" and s.due > 0:
        _pay(w, s, s.due)
    elif kind == "deposit" and open_folio:
        folios.folio_post_deposit(folio=_folio(s), actor=w.clerk, amount=step[2], payment_method=w.methods["cash"])
        s.deposit += step[2]
    elif kind == "refund" and step[2] <= s.paid:
        tx = folios.folio_post_refund(folio=_folio(s), actor=w.clerk, amount=step[2], payment_method=w.methods["wechat"],
                                      reason="owed back")
        s.paid -= step[2]
        s.refunded += step[2]
        del tx
    elif kind == "deposit_return" and s.deposit:
        folios.folio_post_deposit_return(folio=_folio(s), actor=w.clerk, amount=s.deposit, payment_method=w.methods["cash"])
        s.deposit = ZERO
    elif kind == "void":
        _void(w, s, step[2])
    elif kind == "move_room" and s.status in (S.CHECKED_IN, S.EXTENDED):
        for room in w.rt.rooms_list:
            if room.pk != s.order.room_id and _refused(
                lambda room=room: orders.order_modify(order=s.order, actor=w.clerk, room=room)) is None:
                s.order.refresh_from_db()
                break
    elif kind == "extend" and s.status in (S.CHECKED_IN, S.EXTENDED):
        _extend(w, s, step[2])
    elif kind == "check_out" and s.status in (S.CHECKED_IN, S.EXTENDED):
        _check_out(w, s)
    elif kind == "cancel" and s.status in (S.PENDING_CONFIRMATION, S.CONFIRMED):
        stay_cancel(order=s.order, actor=w.clerk, reason="plans changed")
        _called_off(w, s, S.CANCELLED)
    elif kind == "no_show" and s.status == S.CONFIRMED and w.day >= min(s.rates):
        stay_no_show(order=s.order, actor=w.clerk)
        _called_off(w, s, S.NO_SHOW)


def _check(w: World) -> None:
    """Every order against the model, the folios against the order, each night once."""
    for s in w.stays:
        order = Order.objects.get(pk=s.order.pk)
        assert order.status == s.status, (order.code, order.status, s.status)
        assert (order.total_amount, order.paid_amount, order.due_amount) == (s.total, s.paid, s.due), (
            order.code, s.status, (order.total_amount, order.paid_amount, order.due_amount), (s.total, s.paid, s.due))
        folios.folio_primary_for_order(order=order)  # as GET orders/{id}/folios/ opens it
        the_folios = list(Folio.objects.filter(order=order).select_related("order"))
        assert sum((f.amount_due for f in the_folios), ZERO) == order.due_amount, order.code
        assert sum((f.deposit_held for f in the_folios), ZERO) == s.deposit, order.code
        nights = list(FolioTransaction.objects.filter(folio__order=order, transaction_type="charge", charge_type="room_night")
                      .values_list("service_date", "amount"))
        assert len(nights) == len({n for n, _a in nights}), order.code  # each night at most once
        assert dict(nights) == {n: s.rates.get(n, None) for n in s.posted_nights} | {
            n: a for n, a in nights if n not in s.posted_nights}, order.code
        assert set(dict(nights)) == set(s.posted_nights), order.code
        for night, value in nights:
            assert value == s.rates[night], (order.code, night)  # the rate locked when the night was sold


@example(steps=[  # 王芳: two nights at 468.00, a breakfast, paid in full, a deposit; leaves the first day
    ("book", 0, [D("468.00"), D("468.00")], True, None), ("check_in", 0), ("payment", 0, D("468.00")),
    ("extra", 0, D("76.00")), ("payment", 0, D("544.00")), ("deposit", 0, D("500.00")), ("check_out", 0), ("audit",),
])
@example(steps=[  # on time after two audits, then late: a stay whose departure day was audited first
    ("book", 0, [D("300.00"), D("320.00")], True, D("38.00")), ("check_in", 0), ("audit",), ("audit",),
    ("book", 0, [D("250.00")], True, None), ("check_in", 1), ("check_out", 0), ("audit",), ("check_out", 0),
])
@example(steps=[  # late: the departure day is audited with the guest still in the house, who leaves the day after
    ("book", 0, [D("388.00")], True, None), ("check_in", 0), ("payment", 0, D("100.00")), ("audit",), ("audit",),
    ("pay_due", 0), ("check_out", 0), ("audit",),
])
@seed(20261207)
@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(STEP, min_size=6, max_size=30))
def test_the_folio_the_order_and_the_audit_tell_one_story(base, steps):
    with transaction.atomic():
        sid = transaction.savepoint()
        w = World(store=base.store, rt=base.rt, clerk=base.clerk, manager=base.manager, methods=base.methods, day=base.day)
        set_business_date(w.store, w.day)
        try:
            for step in steps:
                _step(w, step)
                _check(w)
            for s in w.stays:
                event(f"stay ended {s.status}")
                if s.check_out:
                    event(f"checked out {s.check_out}")
            event(f"days audited: {(w.day - base.day).days}")
        finally:
            transaction.savepoint_rollback(sid)
