"""``apps.common.validate.validated`` validates exactly as a fresh DRF serializer does."""
import threading
from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework import serializers

from apps.common.validate import validated
from apps.orders.serializers import ChannelInSerializer, OrderCreateInSerializer

GOOD = {
    "room_type": 3, "arrival": "2026-12-01", "departure": "2026-12-03", "confirm": True, "adults": 2,
    "booker": {"full_name": "王小明", "phone": "13812345678"},
    "guests": [{"full_name": "王小明", "is_primary": True}, {"full_name": "李雷", "id_type": "id_card", "id_number": ""}],
    "extras": [{"description": "早餐", "unit_price": "38.00", "quantity": 2}],
    "estimated_arrival_time": "18:30",
}
BAD = [
    {},
    {"room_type": 3, "departure": "2026-12-03"},  # no arrival (the serializer's validate())
    {"room_type": "x", "arrival": "2026-13-01", "departure": "", "adults": 0},
    {**GOOD, "guests": [{"full_name": ""}, {"phone": "1" * 40}]},
    {**GOOD, "extras": [{"description": "x", "unit_price": "-1"}], "booker": "王小明"},
    {**GOOD, "guests": "not a list", "estimated_arrival_time": "25:00"},
]


def _drf(serializer_class, data, partial=False):
    serializer = serializer_class(data=data, partial=partial)
    if serializer.is_valid():
        return "valid", serializer.validated_data
    return "invalid", serializer.errors


def _ours(serializer_class, data, partial=False):
    try:
        return "valid", validated(serializer_class, data, partial=partial)
    except serializers.ValidationError as exc:
        return "invalid", exc.detail


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_valid_and_invalid_data_give_what_drf_gives_in_the_active_language(language):
    with translation.override(language):
        for data in [GOOD, *BAD, GOOD, *BAD]:  # twice: the second time from the thread's templates
            ours, drf = _ours(OrderCreateInSerializer, data), _drf(OrderCreateInSerializer, data)
            assert ours == drf
            if ours[0] == "invalid":  # the same messages, codes included
                assert {k: [(str(e), e.code) for e in v] if isinstance(v, list) else str(v) for k, v in ours[1].items()} == \
                    {k: [(str(e), e.code) for e in v] if isinstance(v, list) else str(v) for k, v in drf[1].items()}
    kind, data = _ours(OrderCreateInSerializer, GOOD)
    assert kind == "valid" and data["extras"][0]["unit_price"] == Decimal("38.00") and data["guests"][1]["id_number"] == ""


def test_messages_follow_the_language_of_each_call():
    """Limits' messages too: DRF keeps the first text of those, so one template per language."""
    seen = []
    for language in ["zh-hans", "en", "zh-hans", "en"]:
        with translation.override(language):
            errors = _ours(OrderCreateInSerializer, {"adults": 0})[1]
            seen.append((str(errors["departure"][0]), str(errors["adults"][0])))
    zh, en = ("该字段是必填项。", "请确保该值大于或者等于 1。"), ("This field is required.", "Ensure this value is greater than or equal to 1.")
    assert seen == [zh, en, zh, en]


def test_partial_validation_is_drfs_and_kept_apart_from_full_validation():
    for data in [{"name": "携程"}, {"sort_order": -1}, {}]:
        assert _ours(ChannelInSerializer, data, partial=True) == _drf(ChannelInSerializer, data, partial=True)
        assert _ours(ChannelInSerializer, data) == _drf(ChannelInSerializer, data)
    assert _ours(ChannelInSerializer, {"name": "携程"}, partial=True) == ("valid", {"name": "携程"})


def test_threads_validate_at_the_same_time_each_with_its_own_fields():
    results, errors = [], []

    def work(i):
        try:
            for _ in range(50):
                data = {**GOOD, "adults": 1 + i, "guests": [{"full_name": f"客人{i}"}]} if i % 2 else BAD[2]
                results.append((i, _ours(OrderCreateInSerializer, data) == _drf(OrderCreateInSerializer, data)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 300 and all(ok for _i, ok in results)
