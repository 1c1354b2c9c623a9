"""Cancellation and no-show terms: the fee rule (exact figures), the copy an order keeps when
booked (a later change of the store's policy does not move it), a channel's own figure,
the store's policy API, the fee read endpoint, and the expiry of unconfirmed orders."""
import threading
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from apps.common.errors import DomainError
from apps.orders import services
from apps.orders.models import CancellationPolicy, Channel, Order, OrderEvent
from apps.orders.policy import cancellation_fee, channel_snapshot, default_snapshot, fee_quote, policy_lines
from apps.orders.selectors import cancellation_policy_get
from apps.orders.tasks import expire_pending
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.rooms.models import RoomTypeNight
from tests.fixtures import run_concurrently

S = Order.Status
SH = ZoneInfo("Asia/Shanghai")
ARRIVAL = datetime(2026, 12, 10).date()
RATES = [Decimal("300.00"), Decimal("280.00"), Decimal("250.50")]
# default terms: free until 24 h before 14:00 on the arrival day, i.e. 2026-12-09 14:00 in Shanghai
DEADLINE = datetime(2026, 12, 9, 14, 0, tzinfo=SH)


def quote(snapshot, kind="cancel", at=DEADLINE, rates=RATES, confirmed=True):
    return fee_quote(snapshot, kind=kind, at=at, arrival=ARRIVAL, rates=rates, confirmed=confirmed)


def store_terms(**changes):
    return {**default_snapshot(time_zone="Asia/Shanghai"), **changes}


# --- the rule ------------------------------------------------------------------------------------


def test_cancelling_up_to_the_end_of_the_free_window_is_free_and_a_second_later_costs_the_first_night():
    at_edge = quote(store_terms())
    assert (at_edge.amount, at_edge.rule, at_edge.free_until) == (Decimal("0.00"), "free_window", DEADLINE)
    late = quote(store_terms(), at=DEADLINE + timedelta(seconds=1))
    assert (late.amount, late.rule) == (Decimal("300.00"), "first_night")
    # the window is on the store's clock: 06:00 UTC is 14:00 in Shanghai
    assert quote(store_terms(), at=datetime(2026, 12, 9, 6, 0, 1, tzinfo=UTC)).amount == Decimal("300.00")


def test_the_free_window_follows_the_terms_hours_and_check_in_time():
    terms = store_terms(free_cancel_hours=72, check_in_time="15:00")
    assert quote(terms, at=datetime(2026, 12, 7, 15, 0, tzinfo=SH)).amount == Decimal("0.00")
    assert quote(terms, at=datetime(2026, 12, 7, 15, 1, tzinfo=SH)).amount == Decimal("300.00")


def test_a_percentage_of_the_stay_is_rounded_half_up_to_the_cent():
    # 830.50 x 33.33 % = 276.80565 -> 276.81
    terms = store_terms(cancel_fee="percent", cancel_fee_percent="33.33")
    late = quote(terms, at=DEADLINE + timedelta(hours=1))
    assert (late.amount, late.rule) == (Decimal("276.81"), "percent")
    assert quote(store_terms(cancel_fee="percent", cancel_fee_percent="50.00"), at=DEADLINE + timedelta(hours=1)).amount == Decimal("415.25")


def test_no_show_costs_the_first_night_or_all_nights_and_ignores_the_window():
    first = quote(store_terms(), kind="no_show", at=DEADLINE - timedelta(days=5))
    assert (first.amount, first.rule, first.free_until) == (Decimal("300.00"), "first_night", None)
    every = quote(store_terms(no_show_fee="all_nights"), kind="no_show")
    assert (every.amount, every.rule) == (Decimal("830.50"), "all_nights")
    assert quote(store_terms(no_show_fee="none"), kind="no_show").amount == Decimal("0.00")


def test_free_terms_and_unconfirmed_orders_cost_nothing():
    assert quote(store_terms(cancel_fee="none"), at=DEADLINE + timedelta(days=2)).rule == "free"
    late_pending = quote(store_terms(), at=DEADLINE + timedelta(days=2), confirmed=False)
    assert (late_pending.amount, late_pending.rule) == (Decimal("0.00"), "not_confirmed")
    assert quote({}, at=DEADLINE + timedelta(days=2)).amount == Decimal("0.00")  # no terms recorded


def test_a_channel_fee_is_charged_whenever_the_guest_cancels_or_does_not_come():
    terms = channel_snapshot(Decimal("88.8"), time_zone="Asia/Shanghai")
    early = quote(terms, at=DEADLINE - timedelta(days=30))
    assert (early.amount, early.rule, early.free_until) == (Decimal("88.80"), "channel", None)
    assert quote(terms, kind="no_show").amount == Decimal("88.80")
    assert quote(channel_snapshot(None, time_zone="Asia/Shanghai"), at=DEADLINE + timedelta(days=1)).amount == Decimal("0.00")


def test_the_terms_in_words():
    with translation.override("en"):
        assert policy_lines(store_terms(cancel_fee="percent", cancel_fee_percent="80.00", no_show_fee="all_nights")) == [
            "Free cancellation until 24 hours before check-in (14:00) on the arrival day; after that: 80% of the stay.",
            "No-show: all nights.",
        ]
        assert policy_lines(channel_snapshot(Decimal("50"), time_zone="Asia/Shanghai")) == [
            "Terms of the channel: a fee of 50.00 on cancellation or no-show."]
    with translation.override("zh-hans"):
        assert policy_lines(store_terms(cancel_fee="percent", cancel_fee_percent="33.50")) == [
            "入住日入住时间（14:00）前 24 小时之前可免费取消；之后收取：房费的 33.5%。", "未入住（No-show）：首晚房费。"]


# --- the copy on the order ---------------------------------------------------------------------------


def test_an_order_keeps_the_terms_it_was_booked_under(store, rt, today, manager):
    arrival = today + timedelta(days=3)
    booked = make_order(store, room_type=rt, arrival=arrival, nights=2)
    assert booked.cancellation_policy == default_snapshot(time_zone="Asia/Shanghai")
    services.cancellation_policy_update(store=store, actor=manager, cancel_fee="percent", cancel_fee_percent=Decimal("80"),
                                        no_show_fee="all_nights", free_cancel_hours=0)
    later = make_order(store, room_type=rt, arrival=arrival, nights=2)
    after_arrival = datetime.combine(arrival, time(20, 0), tzinfo=SH)
    booked.refresh_from_db()
    # the first order's fee did not move; the new one follows the new terms (2 x 300.00 = 600.00)
    assert cancellation_fee(booked, at=after_arrival, kind="cancel") == Decimal("300.00")
    assert cancellation_fee(later, at=after_arrival, kind="cancel") == Decimal("480.00")  # 80 % of 600.00
    assert cancellation_fee(booked, at=after_arrival, kind="no_show") == Decimal("300.00")
    assert cancellation_fee(later, at=after_arrival, kind="no_show") == Decimal("600.00")
    assert later.cancellation_policy["cancel_fee"] == "percent"


def test_the_fee_uses_the_locked_rates_not_todays_prices(store, rt, today):
    order = make_order(store, room_type=rt, arrival=today + timedelta(days=3), nights=2,
                       nightly_prices={today + timedelta(days=3): Decimal("199.00"), today + timedelta(days=4): Decimal("259.00")})
    rt.default_price = Decimal("999.00")
    rt.save()
    assert cancellation_fee(order, at=timezone.now() + timedelta(days=10), kind="no_show") == Decimal("199.00")


def test_a_channel_order_follows_the_fee_the_channel_sent(store, rt, today):
    mall = ChannelFactory(store=store, code="mall", name="Mall", channel_type=Channel.Type.MALL)
    stay = services.StayIn(room_type=rt, arrival=today + timedelta(days=20), departure=today + timedelta(days=22))
    with_fee = services.order_intake_external(store=store, actor=None, channel=mall, external_ref="M-1", stay=stay,
                                              cancellation_fee=Decimal("120"))
    without = services.order_intake_external(store=store, actor=None, channel=mall, external_ref="M-2", stay=stay)
    now = timezone.now()
    assert with_fee.order.cancellation_policy["source"] == "channel"
    assert cancellation_fee(with_fee.order, at=now, kind="cancel") == Decimal("120.00")  # 20 days ahead: the channel's figure
    assert cancellation_fee(without.order, at=now + timedelta(days=30), kind="no_show") == Decimal("0.00")


def test_external_orders_api_takes_the_channel_fee(api, store, rt, today):
    ChannelFactory(store=store, code="mall", name="Mall", channel_type=Channel.Type.MALL)
    body = {"channel": "mall", "external_ref": "M-9", "room_type": str(rt.pk), "arrival": (today + timedelta(days=5)).isoformat(),
            "departure": (today + timedelta(days=6)).isoformat(), "guest": {"full_name": "陈晨"}, "cancellation_fee": "66.60"}
    response = api("alpha", "clerk_a1").post(f"/t/alpha/api/v1/stores/{store.pk}/external-orders/", body, format="json",
                                             HTTP_IDEMPOTENCY_KEY="k-policy-1")
    assert response.status_code == 201, response.json()
    order = Order.objects.get(pk=response.json()["id"])
    assert (order.cancellation_policy["cancel_fee"], order.cancellation_policy["fixed_fee"]) == ("fixed", "66.60")


# --- the store's policy -------------------------------------------------------------------------------


def test_a_store_without_a_row_has_the_defaults_and_the_first_change_writes_it(store, manager):
    policy = cancellation_policy_get(store=store)
    assert (policy._state.adding, policy.free_cancel_hours, policy.check_in_time, policy.cancel_fee, policy.no_show_fee,
            policy.pending_expiry_minutes) == (True, 24, time(14, 0), "first_night", "first_night", 1440)
    services.cancellation_policy_update(store=store, actor=manager, pending_expiry_minutes=30)
    services.cancellation_policy_update(store=store, actor=manager, free_cancel_hours=48)
    row = CancellationPolicy.objects.get(store=store)
    assert (row.free_cancel_hours, row.pending_expiry_minutes, row.updated_by_id) == (48, 30, manager.pk)
    assert cancellation_policy_get(store=store).free_cancel_hours == 48  # the cache saw the change


def test_an_out_of_range_term_is_refused_and_nothing_written(store, manager):
    with pytest.raises(DomainError) as err:
        services.cancellation_policy_update(store=store, actor=manager, cancel_fee_percent=Decimal("120"))
    assert (err.value.code, list(err.value.extra["fields"])) == ("policy_value_invalid", ["cancel_fee_percent"])
    assert not CancellationPolicy.objects.filter(store=store).exists()


def test_policy_api_reads_for_everyone_and_writes_for_managers(api, store):
    base = f"/t/alpha/api/v1/stores/{store.pk}/cancellation-policy/"
    clerk, manager = api("alpha", "clerk_a1"), api("alpha", "manager_a1")
    assert clerk.get(base).json() == {
        "free_cancel_hours": 24, "check_in_time": "14:00", "cancel_fee": "first_night", "cancel_fee_percent": "100.00",
        "no_show_fee": "first_night", "pending_expiry_minutes": 1440,
    }
    assert clerk.patch(base, {"free_cancel_hours": 48}, format="json").status_code == 403
    response = manager.patch(base, {"cancel_fee": "percent", "cancel_fee_percent": "30", "check_in_time": "15:00"}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "free_cancel_hours": 24, "check_in_time": "15:00", "cancel_fee": "percent", "cancel_fee_percent": "30.00",
        "no_show_fee": "first_night", "pending_expiry_minutes": 1440,
    }
    assert manager.patch(base, {"cancel_fee": "half"}, format="json").status_code == 400


# --- the fee endpoint ----------------------------------------------------------------------------------


def test_fee_endpoint_answers_the_fee_now_and_the_terms(api, store, rt, today):
    late = make_order(store, room_type=rt, arrival=today, nights=2)  # check-in today: the window closed yesterday
    early = make_order(store, room_type=rt, arrival=today + timedelta(days=30), nights=1)
    clerk = api("alpha", "clerk_a1", language="en")
    body = clerk.get(f"/t/alpha/api/v1/stores/{store.pk}/orders/{late.pk}/cancellation-fee/").json()
    free_until = datetime.combine(today - timedelta(days=1), time(14, 0), tzinfo=SH).isoformat()
    assert {k: body[k] for k in ("order_id", "kind", "amount", "currency", "rule", "free_until", "policy", "policy_text")} == {
        "order_id": late.pk, "kind": "cancel", "amount": "300.00", "currency": "CNY", "rule": "first_night",
        "free_until": free_until, "policy": default_snapshot(time_zone="Asia/Shanghai"),
        "policy_text": ["Free cancellation until 24 hours before check-in (14:00) on the arrival day; after that: the first night.",
                        "No-show: the first night."],
    }
    no_show = clerk.get(f"/t/alpha/api/v1/stores/{store.pk}/orders/{late.pk}/cancellation-fee/?kind=no_show").json()
    assert (no_show["amount"], no_show["rule"], no_show["free_until"]) == ("300.00", "first_night", None)
    free = clerk.get(f"/t/alpha/api/v1/stores/{store.pk}/orders/{early.pk}/cancellation-fee/?kind=cancel").json()
    assert (free["amount"], free["rule"]) == ("0.00", "free_window")
    assert clerk.get(f"/t/alpha/api/v1/stores/{store.pk}/orders/{late.pk}/cancellation-fee/?kind=refund").status_code == 400
    zh = api("alpha", "clerk_a1", language="zh-hans").get(f"/t/alpha/api/v1/stores/{store.pk}/orders/{late.pk}/cancellation-fee/")
    assert zh.json()["policy_text"] == ["入住日入住时间（14:00）前 24 小时之前可免费取消；之后收取：首晚房费。", "未入住（No-show）：首晚房费。"]


def test_fee_endpoint_of_another_stores_order_is_404(api, store, store2, rt, today):
    order = make_order(store, room_type=rt, arrival=today)
    response = api("alpha", "clerk_a2").get(f"/t/alpha/api/v1/stores/{store2.pk}/orders/{order.pk}/cancellation-fee/")
    assert response.status_code == 404


# --- pending orders expire (超时未确认) ------------------------------------------------------------------


def _age(order, minutes):
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_pending_orders_past_the_stores_time_are_cancelled_once(store, rt, tomorrow, manager):
    services.cancellation_policy_update(store=store, actor=manager, pending_expiry_minutes=30)
    old = make_order(store, room_type=rt, arrival=tomorrow, status=S.PENDING_CONFIRMATION)
    fresh = make_order(store, room_type=rt, arrival=tomorrow, status=S.PENDING_CONFIRMATION)
    confirmed = make_order(store, room_type=rt, arrival=tomorrow)
    conflict = make_order(store, room_type=rt, arrival=tomorrow, status=S.PENDING_CONFIRMATION)
    Order.objects.filter(pk=conflict.pk).update(is_conflict=True)
    for order, minutes in ((old, 31), (fresh, 29), (confirmed, 600), (conflict, 600)):
        _age(order, minutes)
    held = list(RoomTypeNight.objects.filter(room_type=rt).order_by("night").values_list("held", flat=True))

    assert services.orders_expire_pending() == [old.pk]
    assert services.orders_expire_pending() == []  # a rerun cancels nothing twice

    statuses = dict(Order.objects.filter(pk__in=[old.pk, fresh.pk, confirmed.pk, conflict.pk]).values_list("pk", "status"))
    assert statuses == {old.pk: S.CANCELLED, fresh.pk: S.PENDING_CONFIRMATION, confirmed.pk: S.CONFIRMED,
                        conflict.pk: S.PENDING_CONFIRMATION}
    old.refresh_from_db()
    assert old.cancellation_reason == "超时未确认"
    event = OrderEvent.objects.get(order=old, kind="cancelled")
    assert (event.actor_id, event.data) == (None, {"reason": "超时未确认", "expired": True})
    assert list(RoomTypeNight.objects.filter(room_type=rt).order_by("night").values_list("held", flat=True)) == held


def test_zero_means_never_and_the_default_is_a_day(store, store2, rt, tomorrow, manager):
    day_old = make_order(store, room_type=rt, arrival=tomorrow, status=S.PENDING_CONFIRMATION)
    _age(day_old, 23 * 60)
    assert services.orders_expire_pending() == []
    _age(day_old, 24 * 60 + 1)
    services.cancellation_policy_update(store=store, actor=manager, pending_expiry_minutes=0)
    assert services.orders_expire_pending() == []
    services.cancellation_policy_update(store=store, actor=manager, pending_expiry_minutes=1440)
    assert services.orders_expire_pending() == [day_old.pk]


@pytest.mark.slow
def test_expiry_skips_a_row_a_clerk_holds_and_concurrent_runs_cancel_once(committed_tenant):
    t = committed_tenant.tenant
    with tenant_context(t):
        store = committed_tenant.store
        room_type, _rooms = room_type_with_rooms(store, 1)
        order = make_order(store, room_type=room_type, channel=ChannelFactory(store=store), status=S.PENDING_CONFIRMATION)
        _age(order, 24 * 60 + 5)
    held, release = threading.Event(), threading.Event()

    def clerk():
        try:
            connection.set_tenant(t)
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order.pk)
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=clerk)
    thread.start()
    assert held.wait(10)
    try:
        with tenant_context(t):
            assert services.orders_expire_pending() == []  # skipped, not waited for
    finally:
        release.set()
        thread.join()
    results = run_concurrently(services.orders_expire_pending, [()] * 4, tenant=t)
    assert sorted(pk for r in results for pk in r) == [order.pk], results
    with tenant_context(t):
        assert Order.objects.get(pk=order.pk).status == S.CANCELLED
        assert OrderEvent.objects.filter(order_id=order.pk, kind="cancelled").count() == 1


def test_the_beat_task_expires_in_every_tenant(store, rt, tomorrow, manager):
    services.cancellation_policy_update(store=store, actor=manager, pending_expiry_minutes=30)
    order = make_order(store, room_type=rt, arrival=tomorrow, status=S.PENDING_CONFIRMATION)
    _age(order, 45)
    assert expire_pending() == 1
    order.refresh_from_db()
    assert order.status == S.CANCELLED
