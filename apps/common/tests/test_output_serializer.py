"""``OutputSerializer`` renders exactly what DRF renders: the same serializer classes, once
through their plans and once through DRF's own ``Serializer.to_representation`` (plans
switched off), on the corner cases of DRF's rendering. The API's own responses are held
to the same in apps/mobile/tests/test_rendering.py."""
from __future__ import annotations

from datetime import date, datetime, time
from datetime import timezone as dt_timezone
from decimal import Decimal

from rest_framework import serializers

from apps.common.fields import WallClockTimeField
from apps.common.serializers import OutputSerializer


class Child(OutputSerializer):
    n = serializers.IntegerField()
    label = serializers.CharField(source="name")
    loud = serializers.CharField(source="shout")  # a method: DRF calls it


class Corners(OutputSerializer):
    i = serializers.IntegerField()
    b = serializers.BooleanField()
    s = serializers.CharField()
    s_from_int = serializers.CharField(source="i")
    money = serializers.DecimalField(max_digits=10, decimal_places=2)
    ratio = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True)
    rounded = serializers.DecimalField(max_digits=5, decimal_places=1)
    d = serializers.DateField()
    dt = serializers.DateTimeField()
    t = WallClockTimeField()
    choice = serializers.ChoiceField(choices=[(1, "one"), ("2", "two")])
    missing_with_default = serializers.CharField(default="x")
    missing_optional = serializers.CharField(required=False)
    nothing = serializers.CharField(allow_null=True)
    called = serializers.IntegerField()
    listed = serializers.ListField(child=serializers.DateField())
    counts = serializers.DictField(child=serializers.IntegerField())
    child = Child()
    children = Child(many=True)
    no_child = Child(allow_null=True)


class Thing:
    def __init__(self, n, name):
        self.n, self.name = n, name

    def shout(self):
        return self.name.upper()


class Deep(OutputSerializer):
    city = serializers.CharField(source="address.city")  # a dotted source


CORNERS = {
    "i": 7, "b": True, "s": "文字", "money": Decimal("12.345"), "ratio": None, "rounded": Decimal("2.25"),
    "d": date(2026, 5, 1), "dt": datetime(2026, 5, 1, 9, 30, 15, tzinfo=dt_timezone.utc), "t": time(15, 0),
    "choice": "2", "nothing": None, "called": lambda: 41, "listed": [date(2026, 5, 1), None],
    "counts": {"dirty": 2}, "child": Thing(True, "ab"), "children": [Thing(1, "x"), Thing(2, "y")],
    "no_child": None,
}


def test_corner_cases_render_as_drf_renders_them(drf_only):
    assert Corners._plan() is not None  # rendered by its plan
    planned = Corners(CORNERS).data
    drf_only(True)
    assert planned == Corners(CORNERS).data
    assert Deep([{"address": {"city": "大理"}}], many=True).data == [{"city": "大理"}]
    # and the values are what DRF's fields make of them
    # DRF rounds half to even unless told otherwise (money is rounded half up before it gets here)
    assert (planned["money"], planned["rounded"], planned["s_from_int"], planned["called"]) == ("12.34", "2.2", "7", 41)
    assert planned["child"] == {"n": 1, "label": "ab", "loud": "AB"}  # DRF's int(True): a bool is not passed on as it is
    deep = [{"address": {"city": "大理"}}, {"address": {"city": None}}]
    assert Deep(deep, many=True).data == [{"city": "大理"}, {"city": None}]
    assert "missing_optional" not in planned and planned["missing_with_default"] == "x"


def test_a_class_drf_must_render_is_not_planned():
    class WithMethod(OutputSerializer):
        x = serializers.SerializerMethodField()

        def get_x(self, obj):
            return self.context.get("x", 1)

    class Holder(OutputSerializer):
        inner = WithMethod()

    assert WithMethod._plan() is None and Holder._plan() is None
    assert Holder({"inner": {}}, context={"x": 5}).data == {"inner": {"x": 5}}
