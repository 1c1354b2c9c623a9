"""The reports API: 营业日报, range and channel mix of a day with known figures, scope and
errors, and the schema (tests/… compare the whole schema; here the operations)."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.folios import services as folios
from apps.folios.tests.factories import ExtraChargeItemFactory
from apps.night_audit.models import DailyStoreStats
from apps.reports import selectors
from apps.reports.tests.scenario import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(store, rt, day, clerk):
    return build(store, rt, day, clerk)


def test_daily_report_of_an_audited_day(api, world, store, store2, day, built):
    c = api("alpha", "manager_a1", language="en")
    r = c.get(c.prefix + "/reports/daily/", {"date": day.isoformat(), "store": store.pk})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["not_audited"] == []
    (a1,) = body["stores"]
    assert a1["store_id"] == store.pk
    assert {k: a1[k] for k in ("rooms_total", "rooms_out_of_order", "rooms_available", "rooms_sold", "occupancy", "adr",
                               "revpar")} == {"rooms_total": 6, "rooms_out_of_order": 1, "rooms_available": 5,
                                              "rooms_sold": 2, "occupancy": "0.4000", "adr": "346.75", "revpar": "138.70"}
    assert a1["revenue"] == {"rooms": "693.50", "extras": [{"category": "food", "label": "Food and drink", "amount": "50.00"}],
                             "extras_total": "50.00", "fees_and_manual": "280.00", "other": "330.00", "total": "1023.50"}
    assert [(t["name"], t["nights"], t["amount"], t["adr"]) for t in a1["room_types"]] == [
        ("Deluxe King", 2, "693.50", "346.75")]
    assert a1["collections"]["total"] == {"payments": "100.00", "refunds": "10.00", "deposits": "200.00",
                                          "deposit_returns": "0.00", "net": "290.00"}
    assert [(m["method_type"], m["net"]) for m in a1["collections"]["by_method"]] == [("cash", "200.00"), ("wechat", "90.00")]
    # A owes 388.00 + 50.00; B 305.50 - 100.00 + 10.00; C's no-show fee is not an in-house guest's
    assert (a1["deposits_held"], a1["balance_in_house"], a1["balance_departed"]) == ("200.00", "653.50", "0.00")
    assert {k: a1[k] for k in ("arrivals", "departures", "no_shows", "cancellations", "walk_ins")} == {
        "arrivals": 1, "departures": 0, "no_shows": 1, "cancellations": 1, "walk_ins": 0}
    assert body["total"]["store_count"] == 1 and body["total"]["revenue"]["total"] == "1023.50"


def test_daily_report_of_all_stores_lists_the_ones_that_did_not_close_the_day(api, store, store2, day, built):
    c = api("alpha", "admin_a", language="en")
    body = c.get(c.prefix + "/reports/daily/", {"date": day.isoformat()}).json()
    assert [s["store_id"] for s in body["stores"]] == [store.pk]
    assert body["not_audited"] == [store2.pk]
    assert body["total"]["store_name"] == "All stores" and body["total"]["rooms_sold"] == 2


def test_daily_report_refuses_a_day_not_closed_and_other_peoples_stores(api, store, store2, day, built):
    c = api("alpha", "manager_a1", language="en")
    r = c.get(c.prefix + "/reports/daily/", {"date": (day + timedelta(days=1)).isoformat(), "store": store.pk})
    assert r.status_code == 422 and r.json()["code"] == "report_day_not_audited"
    assert c.get(c.prefix + "/reports/daily/", {"date": day.isoformat(), "store": store2.pk}).status_code == 404
    clerk = api("alpha", "clerk_a1", language="en")
    r = clerk.get(clerk.prefix + "/reports/daily/", {"date": day.isoformat(), "store": store.pk})
    assert r.status_code == 403 and r.json()["code"] == "manager_only"
    r = clerk.get(clerk.prefix + "/reports/range/", {"start": day.isoformat(), "end": day.isoformat()})
    assert r.status_code == 403 and r.json()["code"] == "manager_only"
    assert c.get(c.prefix + "/reports/daily/", {"date": day.isoformat(), "store": "x"}).status_code == 400


def test_range_report_with_comparisons(api, store, day, built):
    c = api("alpha", "manager_a1", language="en")
    start = day - timedelta(days=1)
    r = c.get(c.prefix + "/reports/range/", {"start": start.isoformat(), "end": day.isoformat(), "store": store.pk})
    assert r.status_code == 200, r.content
    body = r.json()
    d_minus_1, d = body["buckets"]
    # night D: the audit's figures; night D-1 (never audited): live, B's line only (A and C arrive D)
    assert {k: d[k] for k in ("rooms_sold", "rooms_available", "occupancy", "adr", "revpar", "room_revenue",
                              "other_revenue", "total_revenue", "audited_nights")} == {
        "rooms_sold": 2, "rooms_available": 5, "occupancy": "0.4000", "adr": "346.75", "revpar": "138.70",
        "room_revenue": "693.50", "other_revenue": "330.00", "total_revenue": "1023.50", "audited_nights": 1}
    assert (d_minus_1["rooms_sold"], d_minus_1["rooms_available"], d_minus_1["room_revenue"], d_minus_1["audited_nights"]) == (
        1, 6, "300.00", 0)
    assert body["total"]["rooms_sold"] == 3 and body["total"]["room_revenue"] == "993.50"
    assert body["total"]["rooms_available"] == 11 and body["total"]["occupancy"] == "0.2727"
    assert body["previous"]["start"] == (start - timedelta(days=2)).isoformat()
    assert body["previous"]["rooms_sold"] == 0 and body["previous"]["change"]["room_revenue"] is None
    assert body["last_year"]["start"] == start.replace(year=start.year - 1).isoformat()
    assert body["last_year"]["change"]["occupancy"] == "0.2727"
    r = c.get(c.prefix + "/reports/range/", {"start": day.isoformat(), "end": (day + timedelta(days=366)).isoformat()})
    assert r.status_code == 400 and r.json()["code"] == "invalid_date_range"
    week = c.get(c.prefix + "/reports/range/", {"start": start.isoformat(), "end": day.isoformat(), "granularity": "month"})
    assert sum(b["rooms_sold"] for b in week.json()["buckets"]) == 3


def test_channel_mix(api, store, day, built):
    c = api("alpha", "manager_a1", language="en")
    r = c.get(c.prefix + "/reports/channels/", {"start": (day - timedelta(days=1)).isoformat(),
                                                "end": (day + timedelta(days=5)).isoformat(), "store": store.pk})
    assert r.status_code == 200, r.content
    ctrip, direct = r.json()["channels"]
    # B's three nights through Ctrip; E (Ctrip) cancelled; A's two nights direct; C a no-show
    assert (ctrip["code"], ctrip["nights"], ctrip["revenue"], ctrip["adr"], ctrip["orders"], ctrip["cancelled"],
            ctrip["cancellation_rate"], ctrip["share_of_nights"]) == ("ctrip", 3, "915.50", "305.17", 2, 1, "0.5000", "0.6000")
    assert (direct["code"], direct["nights"], direct["revenue"], direct["orders"], direct["cancelled"]) == (
        "direct", 2, "808.00", 2, 0)
    total = r.json()["total"]
    assert (total["nights"], total["revenue"], total["cancellation_rate"]) == (5, "1723.50", "0.2500")


def _ops(schema):
    return {op["operationId"]: (url, op) for url, item in schema["paths"].items()
            for op in item.values() if isinstance(op, dict) and "operationId" in op}


def test_report_operations_are_in_the_schema(client):
    schema = json.loads(client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en").content)
    ops = {k: v for k, v in _ops(schema).items() if k.startswith("reports_")}
    assert {k: v[0] for k, v in ops.items()} == {
        "reports_daily_get": "/api/v1/reports/daily/", "reports_range_get": "/api/v1/reports/range/",
        "reports_channels_get": "/api/v1/reports/channels/", "reports_consumption_get": "/api/v1/reports/consumption/"}
    assert set(ops["reports_daily_get"][1]["responses"]) == {"200", "400", "401", "403", "404", "422"}
    for _url, op in ops.values():
        assert op["tags"] == ["reports"]
        assert op["responses"]["200"]["content"]["application/json"]["examples"]


def test_range_report_reads_a_gap_in_the_closed_days_live(store, rt, day):
    """Closed nights are normally consecutive; a gap (rows written around a missing day)
    is computed live night by night, the closed nights around it stay the audit's."""
    for night, sold, revenue in ((day - timedelta(days=3), 4, "1200.00"), (day - timedelta(days=1), 5, "1500.00")):
        DailyStoreStats.objects.create(store=store, date=night, rooms_total=6, rooms_out_of_order=0, rooms_available=6,
                                       rooms_sold=sold, room_revenue=Decimal(revenue), other_revenue=Decimal("10.00"),
                                       computed_at=timezone.now())
    report = selectors.range_report(stores=[store], start=day - timedelta(days=3), end=day - timedelta(days=1))
    sold = [(b["rooms_sold"], b["rooms_available"], b["room_revenue"], b["audited_nights"]) for b in report["buckets"]]
    assert sold == [(4, 6, Decimal("1200.00"), 1), (0, 6, Decimal("0.00"), 0), (5, 6, Decimal("1500.00"), 1)]
    assert report["total"]["total_revenue"] == Decimal("2720.00")
    assert report["by_store"][0]["rooms_sold"] == 9


def test_report_query_counts_do_not_depend_on_the_number_of_stores(store, store2, day, built,
                                                                    django_assert_num_queries):
    start = day - timedelta(days=364)
    with django_assert_num_queries(6):
        selectors.daily_report(stores=[store], day=day)
    with django_assert_num_queries(6):
        selectors.daily_report(stores=[store, store2], day=day)
    # a year: the closed nights added up in one statement, the open ones in three
    with django_assert_num_queries(4):
        selectors.range_report(stores=[store], start=start, end=day + timedelta(days=1), granularity="month")
    with django_assert_num_queries(4):
        selectors.range_report(stores=[store, store2], start=start, end=day + timedelta(days=1), granularity="week")
    with django_assert_num_queries(1):
        selectors.channel_mix(stores=[store, store2], start=start, end=day)


def test_consumption_by_item_and_category(api, store, day, built, clerk, manager):
    folio = folios.folio_primary_for_order(order=built["a"])
    laundry = ExtraChargeItemFactory(store=store, name="Laundry", default_price=Decimal("25.00"), category="laundry")
    washed = folios.folio_post_charge(folio=folio, actor=clerk, extra_item=laundry, quantity=2)
    folios.folio_transaction_void(tx=washed, actor=manager, reason="not ours")
    folios.folio_post_charge(folio=folio, actor=clerk, charge_type="extra", description="Fruit", unit_price=Decimal("30.00"))
    c = api("alpha", "manager_a1", language="en")
    r = c.get(c.prefix + "/reports/consumption/", {"start": day.isoformat(), "end": (day + timedelta(days=1)).isoformat(),
                                                   "store": store.pk})
    assert r.status_code == 200, r.content
    body = r.json()
    assert [(i["name"], i["category"], i["quantity"], i["amount"], i["share"]) for i in body["items"]] == [
        ("Breakfast", "food", 1, "50.00", "0.6250"), ("Fruit", "", 1, "30.00", "0.3750"), ("Laundry", "laundry", 0, "0.00", "0.0000")]
    assert [(k["category"], k["amount"]) for k in body["categories"]] == [("food", "50.00"), ("", "30.00"), ("laundry", "0.00")]
    assert body["total"] == {"quantity": 2, "amount": "80.00"}
