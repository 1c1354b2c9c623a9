"""Points earned once per stay at the level's rate, redeemed on a folio, expiring; levels
reached at check-out and set again at each period's end (a simulated year). Here rather
than in apps/members/tests: the stays are checked out by the desk (apps.frontdesk, a layer
above members)."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.common.errors import DomainError
from apps.folios.tests.factories import pay_due, post_nights
from apps.frontdesk.services import stay_check_out
from apps.members import selectors, services
from apps.members.models import LevelChange, MemberStay, PointsEntry
from apps.members.tests.factories import folio_of, make_member, member_stay
from apps.orders.models import Order, OrderEvent
from apps.orders.services import PersonIn
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.tenancy.business_day import business_date
from tests.fixtures import set_business_date

D = Decimal


@pytest.fixture
def rt(store):
    """A room type of A1 with four rooms at 300.00 (``rt.rooms_list``), and the direct channel."""
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 4)
    room_type.rooms_list = rooms
    return room_type


@pytest.fixture
def member(store, clerk):
    return make_member(store, full_name="王芳", phone="13912345678", actor=clerk)


@pytest.fixture
def levels():
    base = services.levels_ensure()
    silver = services.level_create(name="银卡", rank=1, discount_percent=D("5"), points_rate=D("1.50"), upgrade_nights=3)
    gold = services.level_create(name="金卡", rank=2, discount_percent=D("10"), points_rate=D("2.00"), upgrade_nights=10,
                                 upgrade_spend=D("5000.00"))
    return base, silver, gold


def _checked_out(store, member, rt, clerk, *, room=0, nights=2):
    order = member_stay(store, member, room_type=rt, room=rt.rooms_list[room], nights=nights)
    post_nights(order)
    pay_due(order)
    return stay_check_out(order=order, actor=clerk)


def test_points_earned_exactly_once_however_often_check_out_or_the_audit_is_retried(member, store, rt, clerk, levels):
    order = _checked_out(store, member, rt, clerk)
    earn = PointsEntry.objects.get(order=order)
    # 600.00 of room revenue at the base level's 1 point per 1.00
    assert (earn.kind, earn.points, earn.member_id) == ("earn", 600, member.pk)
    event = OrderEvent.objects.get(order=order, kind="checked_out")
    assert event.data["member"] == {"member_id": member.pk, "points": 600, "upgraded": False}
    # a retried check-out is refused by orders and counts nothing
    with pytest.raises(DomainError):
        stay_check_out(order=Order.objects.get(pk=order.pk), actor=clerk)
    # the service again, and the audit's catch-up for the day, count nothing
    assert services.member_stay_checked_out(order=order) is None
    assert services.members_count_checked_out(store=store, day=order.departure) == 0
    member.refresh_from_db()
    assert member.points == 600
    assert PointsEntry.objects.filter(order=order).count() == 1 and MemberStay.objects.filter(order=order).count() == 1


def test_the_database_refuses_a_second_earn_for_a_stay(member, store, rt, clerk, levels):
    order = _checked_out(store, member, rt, clerk)
    with pytest.raises(IntegrityError) as err, transaction.atomic():
        PointsEntry.objects.create(member=member, store=store, kind="earn", points=5, order=order, expires_on=date(2030, 1, 1))
    assert err.value.__cause__.diag.constraint_name == "ptsentry_earn_once_per_order"


def test_the_audit_counts_a_stay_the_check_out_missed(member, store, rt, clerk, levels):
    order = make_order(store, room_type=rt, room=rt.rooms_list[1], status=Order.Status.CHECKED_OUT,
                       booker=PersonIn(full_name="王芳", phone="13912345678"))
    assert not PointsEntry.objects.filter(order=order).exists()  # orders' own check-out does not count stays
    assert services.members_count_checked_out(store=store, day=order.departure) == 1
    assert services.members_count_checked_out(store=store, day=order.departure) == 0
    assert MemberStay.objects.filter(order=order).count() == 1


def test_points_redeemed_on_a_folio_and_voided(member, store, rt, clerk, levels):
    _checked_out(store, member, rt, clerk)  # 600 points
    order = member_stay(store, member, room_type=rt, room=rt.rooms_list[1])
    folio = folio_of(order)
    paid = services.points_redeem(member=member, folio=folio, points=500, actor=clerk)
    assert (paid.transaction.amount, paid.transaction.payment_method.method_type) == (D("5.00"), "points")
    member.refresh_from_db()
    folio.refresh_from_db()
    assert (member.points, folio.total_payments) == (100, D("5.00"))
    with pytest.raises(DomainError) as err:
        services.points_redeem(member=member, folio=folio, points=101, actor=clerk)
    assert (err.value.code, err.value.extra) == ("points_insufficient", {"points": 100})
    services.member_payment_void(tx=paid.transaction, actor=clerk, reason="guest paid cash")
    member.refresh_from_db()
    folio.refresh_from_db()
    assert (member.points, folio.total_payments) == (600, D("0.00"))
    assert selectors.stored_value_reconcile()["diff"] == D("0.00")


def test_points_expire_after_the_programme_period_oldest_first(member, store, rt, clerk, levels):
    services.program_update(points_expiry_days=30)
    today = store_day = business_date(store=store)
    first = _checked_out(store, member, rt, clerk, room=0)  # 600 points, expire after today + 30
    set_business_date(store, today + timedelta(days=10))
    second = _checked_out(store, member, rt, clerk, room=1)  # 600 more, expire after today + 40
    assert PointsEntry.objects.get(order=first).expires_on == store_day + timedelta(days=30)
    folio = folio_of(member_stay(store, member, room_type=rt, room=rt.rooms_list[2]))
    services.points_redeem(member=member, folio=folio, points=200, actor=clerk)  # from the oldest batch
    assert services.points_expire(on=today + timedelta(days=30)) == 0  # still valid on its last day
    assert services.points_expire(on=today + timedelta(days=31)) == 400  # 600 - 200 used
    assert services.points_expire(on=today + timedelta(days=31)) == 0  # once
    member.refresh_from_db()
    assert member.points == 600
    assert services.points_expire(on=today + timedelta(days=41)) == 600
    member.refresh_from_db()
    assert member.points == 0 and second.pk


def test_upgrade_at_check_out_is_recorded(member, store, rt, clerk, levels):
    base, silver, _gold = levels
    _checked_out(store, member, rt, clerk, room=0, nights=2)
    member.refresh_from_db()
    assert member.level == base
    order = _checked_out(store, member, rt, clerk, room=1, nights=1)  # 3 nights in the period: 银卡
    member.refresh_from_db()
    assert member.level == silver
    change = LevelChange.objects.filter(member=member).last()
    assert (change.kind, change.from_level, change.to_level, change.order_id, change.data["nights"]) == (
        "upgrade", base, silver, order.pk, 3)
    # the upgrading stay earned at the old rate; the next earns at 1.5
    assert PointsEntry.objects.get(order=order).points == 300


def test_a_simulated_year_of_upgrades_and_downgrades(member, store, rt, clerk, levels):
    """Period of 12 months from enrolment. Silver by nights, then gold by spend within the first period; the
    second period's stays reach silver only (downgrade to silver at its end); an idle
    third period falls back to the base level."""
    base, silver, gold = levels
    start = member.period_start
    orders = []

    def stay(day: date, nights: int, room: int):
        set_business_date(store, day)
        orders.append(_checked_out(store, member, rt, clerk, room=room, nights=nights))
        member.refresh_from_db()
        return member.level

    # Period 1: 2 + 2 nights (base -> silver at the second), then 3 nights and a 5000 spend -> gold.
    assert stay(start + timedelta(days=30), 2, 0) == base
    assert stay(start + timedelta(days=90), 2, 1) == silver
    services.level_update(level=gold, upgrade_spend=D("2000.00"))
    # 7 nights x 300.00 = 2100.00 >= 2000.00: gold reached by spend at this check-out (not by nights: 7 < 10)
    assert stay(start + timedelta(days=200), 3, 2) == gold
    # Period end (12 months): the period's stays kept gold.
    end1 = services.member_period_end(member=member)
    assert services.members_period_close(on=end1 - timedelta(days=1)) == {"upgrade": 0, "downgrade": 0, "kept": 0}
    assert services.members_period_close(on=end1) == {"upgrade": 0, "downgrade": 0, "kept": 1}
    member.refresh_from_db()
    assert (member.level, member.period_start) == (gold, end1)
    # Period 2: 3 nights only -> silver; downgraded at its end.
    stay(end1 + timedelta(days=60), 3, 3)
    end2 = services.member_period_end(member=member)
    assert services.members_period_close(on=end2) == {"upgrade": 0, "downgrade": 1, "kept": 0}
    member.refresh_from_db()
    assert member.level == silver
    # Period 3: nothing -> base at its end; a rerun changes nothing.
    end3 = services.member_period_end(member=member)
    assert services.members_period_close(on=end3) == {"upgrade": 0, "downgrade": 1, "kept": 0}
    assert services.members_period_close(on=end3) == {"upgrade": 0, "downgrade": 0, "kept": 0}
    member.refresh_from_db()
    assert member.level == base
    kinds = list(LevelChange.objects.filter(member=member).values_list("kind", "to_level__name"))
    assert kinds == [("enrolled", "普通会员"), ("upgrade", "银卡"), ("upgrade", "金卡"), ("kept", "金卡"),
                     ("downgrade", "银卡"), ("downgrade", "普通会员")]
