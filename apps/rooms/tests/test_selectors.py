"""Pricing: which rule sets a night's price (weekday, date range, LOS, priority, ties)."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.common.errors import DomainValidationError
from apps.rooms.models import PricingRule
from apps.rooms.selectors import (
    price_calendar,
    price_calendar_detail,
    stay_price_nights,
    stay_price_nights_many,
    stay_price_total,
)
from apps.rooms.tests.factories import PricingRuleFactory, RoomTypeFactory
from apps.tenancy.reference_cache import cache_clear

MON = date(2027, 3, 1)  # a Monday
TUE, WED, THU, FRI, SAT, SUN = (MON + timedelta(days=i) for i in range(1, 7))
NEXT_MON = MON + timedelta(days=7)
D = Decimal


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def rt(store):
    return RoomTypeFactory(store=store, name="山景大床房", default_price=D("400.00"))


def prices(rows):
    return [str(p) for _n, p in rows]


def test_no_rule_is_the_default_price_every_night(rt):
    assert stay_price_nights(room_type=rt, arrival=MON, departure=THU) == [(MON, D("400.00")), (TUE, D("400.00")), (WED, D("400.00"))]
    assert stay_price_total(room_type=rt, arrival=MON, departure=THU) == D("1200.00")


def test_weekday_rule_applies_only_on_its_weekdays(rt):
    PricingRuleFactory(room_type=rt, name="周末", days_of_week=[4, 5], adjustment_type="percent", adjustment_value=D("25"))
    assert prices(price_calendar(room_type=rt, start=MON, end=NEXT_MON)) == [
        "400.00", "400.00", "400.00", "400.00", "500.00", "500.00", "400.00",
    ]
    assert stay_price_total(room_type=rt, arrival=THU, departure=SUN) == D("1400.00")


def test_date_range_bounds_are_both_inclusive(rt):
    PricingRuleFactory(room_type=rt, date_range_start=TUE, date_range_end=WED, adjustment_type="fixed", adjustment_value=D("199"))
    assert price_calendar(room_type=rt, start=MON, end=FRI) == [
        (MON, D("400.00")), (TUE, D("199.00")), (WED, D("199.00")), (THU, D("400.00")),
    ]


def test_open_ended_date_ranges(rt):
    PricingRuleFactory(room_type=rt, date_range_start=THU, adjustment_type="amount", adjustment_value=D("50"))
    PricingRuleFactory(room_type=rt, date_range_end=TUE, adjustment_type="amount", adjustment_value=D("-50"))
    assert prices(price_calendar(room_type=rt, start=MON, end=SAT)) == ["350.00", "350.00", "400.00", "450.00", "450.00"]


def test_min_los_is_inclusive_and_counts_the_whole_stay(rt):
    PricingRuleFactory(room_type=rt, name="连住3晚9折", min_los=3, adjustment_type="percent", adjustment_value=D("-10"))
    assert prices(stay_price_nights(room_type=rt, arrival=MON, departure=WED)) == ["400.00", "400.00"]
    assert prices(stay_price_nights(room_type=rt, arrival=MON, departure=THU)) == ["360.00", "360.00", "360.00"]
    assert stay_price_total(room_type=rt, arrival=MON, departure=THU) == D("1080.00")


def test_max_los_is_inclusive(rt):
    PricingRuleFactory(room_type=rt, name="单晚加价", max_los=1, adjustment_type="amount", adjustment_value=D("30"))
    assert prices(stay_price_nights(room_type=rt, arrival=MON, departure=TUE)) == ["430.00"]
    assert prices(stay_price_nights(room_type=rt, arrival=MON, departure=WED)) == ["400.00", "400.00"]


def test_los_window_both_bounds(rt):
    PricingRuleFactory(room_type=rt, min_los=2, max_los=3, adjustment_type="fixed", adjustment_value=D("300"))
    totals = [stay_price_total(room_type=rt, arrival=MON, departure=MON + timedelta(days=n)) for n in (1, 2, 3, 4)]
    assert totals == [D("400.00"), D("600.00"), D("900.00"), D("1600.00")]


def test_calendar_skips_rules_with_a_los_bound(rt):
    PricingRuleFactory(room_type=rt, min_los=1, adjustment_type="fixed", adjustment_value=D("1"), priority=99)
    PricingRuleFactory(room_type=rt, max_los=30, adjustment_type="fixed", adjustment_value=D("2"), priority=99)
    PricingRuleFactory(room_type=rt, name="base", adjustment_type="amount", adjustment_value=D("-100"), priority=0)
    detail = price_calendar_detail(room_type=rt, start=MON, end=TUE)
    assert [(d.price, d.rule_name) for d in detail] == [(D("300.00"), "base")]
    # a stay does apply them: the newest of the two priority-99 rules wins
    assert prices(stay_price_nights(room_type=rt, arrival=MON, departure=TUE)) == ["2.00"]


def test_highest_priority_wins_even_when_older(rt):
    high = PricingRuleFactory(room_type=rt, name="春节", priority=10, adjustment_type="fixed", adjustment_value=D("888"))
    PricingRuleFactory(room_type=rt, name="newer but lower", priority=5, adjustment_type="fixed", adjustment_value=D("111"))
    detail = price_calendar_detail(room_type=rt, start=MON, end=TUE)
    assert [(d.price, d.rule_id) for d in detail] == [(D("888.00"), high.pk)]


def test_priority_tie_goes_to_the_newest_rule(rt):
    PricingRuleFactory(room_type=rt, priority=5, adjustment_type="fixed", adjustment_value=D("111"))
    newest = PricingRuleFactory(room_type=rt, priority=5, adjustment_type="fixed", adjustment_value=D("222"))
    detail = price_calendar_detail(room_type=rt, start=MON, end=TUE)
    assert [(d.price, d.rule_id) for d in detail] == [(D("222.00"), newest.pk)]


def test_winner_is_chosen_per_night_among_matching_rules(rt):
    # Weekend rule has the higher priority but only matches Fri/Sat; the range rule fills the rest.
    PricingRuleFactory(room_type=rt, priority=1, date_range_start=WED, date_range_end=SAT, adjustment_type="amount", adjustment_value=D("-100"))
    PricingRuleFactory(room_type=rt, priority=2, days_of_week=[4, 5], adjustment_type="percent", adjustment_value=D("50"))
    PricingRuleFactory(room_type=rt, priority=3, min_los=6, adjustment_type="fixed", adjustment_value=D("10"))
    assert prices(stay_price_nights(room_type=rt, arrival=TUE, departure=SUN)) == ["400.00", "300.00", "300.00", "600.00", "600.00"]
    # six nights reach the LOS rule, which outranks both on every night
    assert prices(stay_price_nights(room_type=rt, arrival=TUE, departure=SUN + timedelta(days=1))) == ["10.00"] * 6


def test_inactive_rules_and_other_types_rules_are_ignored(rt, store):
    PricingRuleFactory(room_type=rt, is_active=False, adjustment_type="fixed", adjustment_value=D("1"))
    other = RoomTypeFactory(store=store)
    PricingRuleFactory(room_type=other, adjustment_type="fixed", adjustment_value=D("2"))
    assert prices(price_calendar(room_type=rt, start=MON, end=TUE)) == ["400.00"]


def test_price_never_below_zero_and_rounded_half_up(store):
    rt = RoomTypeFactory(store=store, default_price=D("99.99"))
    PricingRuleFactory(room_type=rt, days_of_week=[0], adjustment_type="amount", adjustment_value=D("-500"))
    PricingRuleFactory(room_type=rt, days_of_week=[1], adjustment_type="percent", adjustment_value=D("12.5"))
    # 99.99 * 1.125 = 112.48875 -> 112.49
    assert prices(price_calendar(room_type=rt, start=MON, end=WED)) == ["0.00", "112.49"]


def _rule_reads(call) -> list[str]:
    """The statements ``call()`` sends to the pricing rules' table."""
    with CaptureQueriesContext(connection) as ctx:
        call()
    return [q["sql"] for q in ctx.captured_queries if "rooms_pricingrule" in q["sql"]]


def test_prices_read_the_rules_once_then_from_the_reference_cache_until_they_change(rt):
    PricingRuleFactory(room_type=rt, days_of_week=[5])
    cache_clear()
    assert len(_rule_reads(lambda: price_calendar(room_type=rt, start=MON, end=MON + timedelta(days=366)))) == 1
    totals = []
    assert _rule_reads(lambda: totals.append(stay_price_total(room_type=rt, arrival=MON, departure=MON + timedelta(days=30)))) == []
    PricingRuleFactory(room_type=rt, priority=50, adjustment_type="fixed", adjustment_value=D("100"))
    assert len(_rule_reads(lambda: totals.append(stay_price_total(room_type=rt, arrival=MON, departure=MON + timedelta(days=30))))) == 1
    assert totals[1] == D("3000.00") != totals[0]  # the new rule prices every night


def test_bad_spans_are_refused(rt):
    with pytest.raises(DomainValidationError) as err:
        stay_price_nights(room_type=rt, arrival=TUE, departure=TUE)
    assert err.value.code == "invalid_stay_dates"
    with pytest.raises(DomainValidationError) as err:
        price_calendar(room_type=rt, start=MON, end=MON + timedelta(days=367))
    assert err.value.code == "date_span_too_long"
    assert err.value.extra["max_days"] == 366


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"min_los": 4, "max_los": 3}, "pricingrule_min_los_not_above_max"),
        ({"min_los": 0}, "pricingrule_min_los_positive"),
        ({"date_range_start": TUE, "date_range_end": MON}, "pricingrule_range_end_not_before_start"),
        ({"days_of_week": [1, 7]}, "pricingrule_weekdays_0_to_6"),
        ({"adjustment_type": "percent", "adjustment_value": D("-100")}, "pricingrule_percent_above_minus_100"),
        ({"adjustment_type": "fixed", "adjustment_value": D("-1")}, "pricingrule_fixed_not_negative"),
        ({"adjustment_type": "bogus"}, "pricingrule_adjustment_type_known"),
    ],
)
def test_database_refuses_incoherent_rules(rt, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint):
        with transaction.atomic():
            PricingRuleFactory(room_type=rt, **fields)
    assert not PricingRule.objects.exists()


def test_the_example_of_docs_rooms_md(rt):
    PricingRuleFactory(room_type=rt, name="周末", days_of_week=[4, 5], adjustment_type="percent", adjustment_value=D("25"))
    PricingRuleFactory(room_type=rt, name="连住", min_los=3, adjustment_type="percent", adjustment_value=D("-10"), priority=5)
    assert prices(stay_price_nights(room_type=rt, arrival=THU, departure=SUN)) == ["360.00"] * 3
    assert stay_price_total(room_type=rt, arrival=FRI, departure=SUN) == D("1000.00")
    assert prices(price_calendar(room_type=rt, start=THU, end=SUN)) == ["400.00", "500.00", "500.00"]


# --- several room types at once (the availability search) ---------------------------------


def test_batched_prices_equal_one_call_per_type_with_overlapping_rules(store, rt):
    # given three types whose rules overlap in every way the semantics care about: priority,
    # ties (the newest wins), date ranges (inclusive, open), weekdays, LOS bounds, inactive rules
    suite = RoomTypeFactory(store=store, name="家庭套房", default_price=D("688.00"))
    bare = RoomTypeFactory(store=store, name="无规则", default_price=D("99.99"))
    for room_type in (rt, suite):
        PricingRuleFactory(room_type=room_type, priority=1, date_range_start=TUE, date_range_end=FRI,
                           adjustment_type="amount", adjustment_value=D("-100"))
        PricingRuleFactory(room_type=room_type, priority=2, days_of_week=[4, 5], adjustment_type="percent",
                           adjustment_value=D("20"))
        PricingRuleFactory(room_type=room_type, priority=2, days_of_week=[5], adjustment_type="fixed",
                           adjustment_value=D("555"))  # ties with the weekend rule on Saturday: newer, wins
        PricingRuleFactory(room_type=room_type, priority=3, min_los=4, max_los=6, adjustment_type="percent",
                           adjustment_value=D("-15"))
        PricingRuleFactory(room_type=room_type, priority=9, date_range_end=MON, adjustment_type="fixed",
                           adjustment_value=D("1"))
        PricingRuleFactory(room_type=room_type, priority=99, is_active=False, adjustment_type="fixed",
                           adjustment_value=D("0"))
    PricingRuleFactory(room_type=suite, priority=3, min_los=4, adjustment_type="fixed", adjustment_value=D("600"))
    types = [rt, suite, bare]
    for arrival in (MON - timedelta(days=1), MON, WED, FRI):
        for nights in (1, 2, 3, 4, 6, 7):
            departure = arrival + timedelta(days=nights)
            # when
            found = []
            reads = _rule_reads(lambda: found.append(stay_price_nights_many(store=store, room_types=types, arrival=arrival, departure=departure)))
            assert len(reads) <= 1  # every type's rules at once, or none while the cache holds them
            batched = found[0]
            # then: exactly what one call per type gives
            assert batched == {t.pk: stay_price_nights(room_type=t, arrival=arrival, departure=departure) for t in types}
    # and the rules really compete: a 4-night Mon-Fri stay and a Fri-Sun weekend of each type
    four = stay_price_nights_many(store=store, room_types=types, arrival=MON, departure=FRI)
    assert {t: prices(rows) for t, rows in four.items()} == {
        rt.pk: ["1.00", "340.00", "340.00", "340.00"],
        suite.pk: ["1.00", "600.00", "600.00", "600.00"],
        bare.pk: ["99.99"] * 4,
    }
    weekend = stay_price_nights_many(store=store, room_types=types, arrival=FRI, departure=SUN)
    assert {t: prices(rows) for t, rows in weekend.items()} == {
        rt.pk: ["480.00", "555.00"], suite.pk: ["825.60", "555.00"], bare.pk: ["99.99", "99.99"],
    }


def test_batched_prices_take_only_the_stores_rules(store, rt, world):
    elsewhere = RoomTypeFactory(store=world.alpha.stores["A2"])
    PricingRuleFactory(room_type=elsewhere, priority=100, adjustment_type="fixed", adjustment_value=D("7"))
    rows = stay_price_nights_many(store=store, room_types=[rt, elsewhere], arrival=MON, departure=TUE)
    assert {t: prices(r) for t, r in rows.items()} == {rt.pk: ["400.00"], elsewhere.pk: ["300.00"]}


def test_batched_prices_of_no_types_is_empty_and_reads_nothing(store, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert stay_price_nights_many(store=store, room_types=[], arrival=MON, departure=TUE) == {}
