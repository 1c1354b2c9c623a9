"""``InputSerializer`` validates as DRF does: the same data or the same errors, in the
request's language, partial or not, in any thread, call after call."""
from __future__ import annotations

import threading

import pytest
from django.utils import translation
from rest_framework import serializers

from apps.common.serializers import InputSerializer


class Person(serializers.Serializer):
    full_name = serializers.CharField(max_length=5)
    phone = serializers.CharField(required=False, allow_blank=True, default="")


class Plain(serializers.Serializer):
    walk_in = serializers.BooleanField(default=False)
    adults = serializers.IntegerField(min_value=1, max_value=50, default=1)
    departure = serializers.DateField()
    amount = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    booker = Person(required=False, allow_null=True, default=None)
    guests = Person(many=True, required=False, default=list)

    def validate(self, attrs):
        if attrs.get("walk_in") and not attrs.get("guests"):
            raise serializers.ValidationError({"guests": ["A walk-in needs a guest."]})
        return attrs


class Bound(InputSerializer, Plain):
    """The same fields and hooks, bound once."""


CASES = [
    {"departure": "2027-01-02", "guests": [{"full_name": "王一"}], "amount": "12.5"},
    {"departure": "2027-01-02", "adults": 0, "guests": [{"full_name": "王小明明明明"}, {}]},
    {"departure": "soon", "adults": 99, "amount": "12345.678", "booker": {"full_name": ""}},
    {"walk_in": True, "departure": "2027-01-02"},
    {},
    {"adults": 3},
]


def outcome(cls, data, partial=False):
    serializer = cls(data=data, partial=partial)
    if serializer.is_valid():
        return "valid", serializer.validated_data
    return "invalid", serializer.errors


@pytest.mark.parametrize("partial", [False, True])
def test_outcomes_are_drfs_in_both_languages_call_after_call(partial):
    for _round in range(2):  # the second round runs on the templates the first one made
        for language in ("en", "zh-hans", "en"):
            with translation.override(language):
                for data in CASES:
                    assert outcome(Bound, data, partial) == outcome(Plain, data, partial), (language, data)


def test_the_languages_do_not_leak_into_each_other():
    bad = {"departure": "2027-01-02", "adults": 0}
    with translation.override("en"):
        english = outcome(Bound, bad)[1]["adults"][0]
    with translation.override("zh-hans"):
        chinese = outcome(Bound, bad)[1]["adults"][0]
    assert english == "Ensure this value is greater than or equal to 1."
    assert chinese == "请确保该值大于或者等于 1。"


def test_threads_validate_at_the_same_time_each_with_its_own_fields():
    results, barrier = {}, threading.Barrier(4)

    def run(i):
        barrier.wait()
        data = {"departure": "2027-01-02", "adults": i + 1, "guests": [{"full_name": f"客{i}"}]}
        for _ in range(50):
            kind, value = outcome(Bound, data)
            assert kind == "valid" and value["adults"] == i + 1 and value["guests"][0]["full_name"] == f"客{i}"
        results[i] = True

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {0: True, 1: True, 2: True, 3: True}


def test_a_serializer_given_a_context_or_nested_binds_its_own_fields():
    assert list(Bound(data={}).fields) == ["walk_in", "adults", "departure", "amount", "booker", "guests"]
    assert Bound(data={}, context={"request": None}).fields is not Bound(data={}).fields
    assert Bound(data={}).fields is Bound(data={}).fields
