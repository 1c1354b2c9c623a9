"""apps.common.render: the compiled renderer gives exactly what DRF's ``.data`` gives.

Every comparison is on whole dicts and on key order (``_shape``), nested ones included."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta, timezone as dt_timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from apps.common import render as render_module
from apps.common.fields import JSONObjectField, WallClockTimeField
from apps.common.render import render, render_many
from apps.orders import selectors, services
from apps.orders.serializers import IntakeOutSerializer, OrderDetailSerializer, OrderRowSerializer
from apps.orders.services import ExtraIn, PersonIn
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms


def _shape(value):
    """Keys in order, all the way down (``==`` on dicts ignores order)."""
    if isinstance(value, dict):
        return [(key, _shape(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return type(value).__name__


def assert_same(ours, drf):
    assert ours == drf
    assert list(ours) == list(drf)
    assert _shape(ours) == _shape(drf)


# --- a synthetic serializer with every compiled field type ------------------------------------


class TagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    shout = serializers.SerializerMethodField()

    def get_shout(self, tag) -> str:
        return f"{tag.label.upper()}{self.context.get('bang', '')}"


class EverythingSerializer(serializers.Serializer):
    integer = serializers.IntegerField()
    char = serializers.CharField()
    choice = serializers.ChoiceField(choices=[("a", "A"), ("1", "One")])
    day = serializers.DateField()
    moment = serializers.DateTimeField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    flag = serializers.BooleanField()
    ratio = serializers.FloatField()
    blob = serializers.JSONField()
    uid = serializers.UUIDField()
    anything = serializers.ReadOnlyField()
    slug = serializers.SlugField()
    email = serializers.EmailField()
    clock = serializers.TimeField()
    wall = WallClockTimeField()
    obj = JSONObjectField()
    mapping = serializers.DictField()
    room_number = serializers.CharField(source="room.number", default=None, allow_null=True)
    room_floor = serializers.IntegerField(source="room.floor", required=False)
    nothing = serializers.CharField(allow_null=True)
    shouted = serializers.CharField(source="shout_label")
    secret = serializers.CharField(write_only=True)
    tag = TagSerializer()
    maybe_tag = TagSerializer(allow_null=True)
    tags = TagSerializer(many=True)
    where = serializers.SerializerMethodField()

    def get_where(self, obj) -> str:
        return f"{self.context.get('where', '-')}:{self.instance is obj}"


def _thing(*, room=None, tags=None):
    tag = SimpleNamespace(id=7, label="vip")
    return SimpleNamespace(
        integer=3, char="x", choice=1, day=date(2025, 3, 1), moment=datetime(2025, 3, 1, 6, 30, tzinfo=dt_timezone.utc),
        amount=Decimal("12.5"), flag=1, ratio=0.25, blob={"a": [1, 2]}, uid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
        anything=("t", 1), slug="a-b", email="a@b.cn", clock=time(9, 5, 7), wall=time(15, 0), obj={"k": {"n": None}},
        mapping={1: "one", "two": None}, room=room, nothing=None, shout_label=lambda: "called", secret="s",
        tag=tag, maybe_tag=None, tags=tags if tags is not None else [tag, SimpleNamespace(id=8, label="late")],
    )


def test_render_gives_drf_data_for_every_compiled_field_type():
    thing = _thing(room=SimpleNamespace(number="101", floor=1))
    # when
    ours = render(EverythingSerializer, thing, context={"where": "desk", "bang": "!"})
    # then
    drf = EverythingSerializer(thing, context={"where": "desk", "bang": "!"}).data
    assert_same(ours, drf)
    assert ours == {
        "integer": 3, "char": "x", "choice": "1", "day": "2025-03-01", "moment": "2025-03-01T14:30:00+08:00",
        "amount": "12.50", "flag": True, "ratio": 0.25, "blob": {"a": [1, 2]}, "uid": "12345678-1234-5678-1234-567812345678",
        "anything": ("t", 1), "slug": "a-b", "email": "a@b.cn", "clock": "09:05:07", "wall": "15:00", "obj": {"k": {"n": None}},
        "mapping": {"1": "one", "two": None}, "room_number": "101", "room_floor": 1, "nothing": None, "shouted": "called",
        "tag": {"id": 7, "label": "vip", "shout": "VIP!"}, "maybe_tag": None,
        "tags": [{"id": 7, "label": "vip", "shout": "VIP!"}, {"id": 8, "label": "late", "shout": "LATE!"}],
        "where": "desk:True",
    }
    assert render_module._plan_for(EverythingSerializer) is not None


def test_a_source_through_a_missing_relation_renders_the_default_and_skips_a_field_without_one():
    thing = _thing(room=None, tags=[])
    # when
    ours = render(EverythingSerializer, thing)
    # then: room_number has default=None; room_floor is not required and has none: left out
    drf = EverythingSerializer(thing).data
    assert_same(ours, drf)
    assert (ours["room_number"], "room_floor" in ours, ours["tags"], ours["where"]) == (None, False, [], "-:True")
    assert list(ours)[16:19] == ["mapping", "room_number", "nothing"]


def test_render_many_gives_drf_data_and_the_child_sees_the_context():
    things = [_thing(room=SimpleNamespace(number="101", floor=1)), _thing(room=None)]
    # when
    ours = render_many(EverythingSerializer, things, context={"where": "list", "bang": "?"})
    # then
    drf = EverythingSerializer(things, many=True, context={"where": "list", "bang": "?"}).data
    assert_same(ours, drf)
    assert [(t["room_number"], t["where"], t["tag"]["shout"]) for t in ours] == [("101", "list:False", "VIP?"), (None, "list:False", "VIP?")]


def test_datetimes_render_in_the_time_zone_active_at_render_time():
    thing = _thing(room=None)
    render(EverythingSerializer, thing)  # compiled under the default zone (Asia/Shanghai)
    # when
    with timezone.override("Europe/London"):
        ours = render(EverythingSerializer, thing)
        drf = EverythingSerializer(thing).data
    with timezone.override("UTC"):
        ours_utc = render(EverythingSerializer, thing)
    # then
    assert_same(ours, drf)
    assert (ours["moment"], ours_utc["moment"]) == ("2025-03-01T06:30:00Z", "2025-03-01T06:30:00Z")
    with timezone.override("America/New_York"):
        assert render(EverythingSerializer, thing)["moment"] == "2025-03-01T01:30:00-05:00"


def test_settings_changes_are_followed():
    thing = _thing(room=None)
    render(EverythingSerializer, thing)
    # when
    with override_settings(REST_FRAMEWORK={"COERCE_DECIMAL_TO_STRING": False}):
        ours = render(EverythingSerializer, thing)
        drf = EverythingSerializer(thing).data
    # then
    assert_same(ours, drf)
    assert ours["amount"] == Decimal("12.50")
    assert render(EverythingSerializer, thing)["amount"] == "12.50"


# --- what is not compiled renders through DRF -----------------------------------------------------


class ExtendedSerializer(serializers.Serializer):
    id = serializers.IntegerField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["extra"] = self.context.get("extra")
        return data


class ContextualField(serializers.CharField):
    """Not on the allow-list (a subclass may read anything): it reads the context."""

    def to_representation(self, value):
        return f"{value}@{self.context.get('store')}"


class ContextualSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = ContextualField()


class HoldsExtendedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    inner = ExtendedSerializer(source="*")
    items = ContextualSerializer(many=True)


def test_an_overridden_to_representation_renders_through_drf():
    obj = SimpleNamespace(id=1)
    # when
    ours = render(ExtendedSerializer, obj, context={"extra": "kept"})
    # then
    assert_same(ours, ExtendedSerializer(obj, context={"extra": "kept"}).data)
    assert ours == {"id": 1, "extra": "kept"}
    assert render_module._plan_for(ExtendedSerializer) is None


def test_a_field_off_the_allow_list_renders_through_drf_with_the_context():
    obj = SimpleNamespace(id=1, label="a")
    # when
    ours = render(ContextualSerializer, obj, context={"store": "A1"})
    many = render_many(ContextualSerializer, [obj, obj], context={"store": "A2"})
    # then
    assert_same(ours, ContextualSerializer(obj, context={"store": "A1"}).data)
    assert ours == {"id": 1, "label": "a@A1"}
    assert many == [{"id": 1, "label": "a@A2"}, {"id": 1, "label": "a@A2"}]
    assert list(many[0]) == ["id", "label"]
    assert render_module._plan_for(ContextualSerializer) is None


def test_a_serializer_nesting_one_that_does_not_compile_renders_through_drf():
    obj = SimpleNamespace(id=1, items=[SimpleNamespace(id=2, label="b")])
    context = {"extra": "x", "store": "A1"}
    # when
    ours = render(HoldsExtendedSerializer, obj, context=context)
    # then
    assert_same(ours, HoldsExtendedSerializer(obj, context=context).data)
    assert ours == {"id": 1, "inner": {"id": 1, "extra": "x"}, "items": [{"id": 2, "label": "b@A1"}]}
    assert render_module._plan_for(HoldsExtendedSerializer) is None


def test_a_missing_instance_renders_through_drf():
    assert_same(render(ExtendedSerializer, None, context={}), ExtendedSerializer(None).data)
    assert render(TagSerializer, None) == {"id": None, "label": ""}  # initial data: no read-only fields


# --- the orders' serializers on real orders -------------------------------------------------------------


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def clerk(world):
    return world.alpha.users["clerk_a1"]


@pytest.fixture
def tomorrow(store):
    return selectors.business_date(store=store) + timedelta(days=1)


@pytest.fixture
def rt(store):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 2)
    room_type.rooms_list = rooms
    return room_type


def _as_json(data):
    return json.loads(JSONRenderer().render(data))


def test_order_detail_of_a_bare_pending_order(store, rt, tomorrow):
    # given: no room, no booker, no guests, no extras, one event without actor
    order = services.order_create(store=store, actor=None, room_type=rt, arrival=tomorrow, departure=tomorrow + timedelta(days=1))
    # when / then: as the service hands it back, and as read
    assert_same(render(OrderDetailSerializer, order), OrderDetailSerializer(order).data)
    read = selectors.order_get(store=store, order_id=order.pk)
    ours = render(OrderDetailSerializer, read)
    assert_same(ours, OrderDetailSerializer(read).data)
    assert (ours["room_id"], ours["room_number"], ours["booker"], ours["guests"], ours["estimated_arrival_time"]) == (None, None, None, [], None)
    assert [(e["kind"], e["actor"]) for e in ours["events"]] == [("created", None)]
    assert render_module._plan_for(OrderDetailSerializer) is not None


def test_order_detail_with_room_booker_guests_extras_and_events_with_and_without_actor(store, rt, tomorrow, clerk):
    # given
    order = services.order_create(
        store=store, actor=None, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow, departure=tomorrow + timedelta(days=3),
        booker=PersonIn(full_name="王小明", phone="13812345678"), guests=[PersonIn(full_name="李雷", id_type="passport", id_number="E12345678")],
        extras=[ExtraIn(description="早餐", unit_price=Decimal("38"), quantity=2, service_date=tomorrow)],
        estimated_arrival_time=time(15, 0), notes="高楼层",
    )
    services.order_confirm(order=order, actor=clerk)
    read = selectors.order_get(store=store, order_id=order.pk)
    # when
    ours = render(OrderDetailSerializer, read)
    # then
    drf = OrderDetailSerializer(read).data
    assert_same(ours, drf)
    assert _as_json(ours) == _as_json(drf)
    assert [(e["kind"], e["actor"]) for e in ours["events"]] == [("created", None), ("confirmed", {"id": clerk.pk, "username": "clerk_a1"})]
    assert (ours["booker"]["full_name"], ours["estimated_arrival_time"], [g["full_name"] for g in ours["guests"]]) == ("王小明", "15:00", ["李雷"])
    assert [i["kind"] for i in ours["items"]] == ["room_night", "room_night", "room_night", "extra"]


def test_order_detail_of_a_booking_as_the_service_hands_it_back(store, rt, tomorrow, clerk):
    # given: the create endpoint renders the service's order (prefetched lists, no re-read)
    order = services.order_create(
        store=store, actor=clerk, room_type=rt, room=rt.rooms_list[1], arrival=tomorrow, departure=tomorrow + timedelta(days=2),
        guests=[PersonIn(full_name="韩梅梅", phone="13900001111")], extras=[ExtraIn(description="加床", unit_price=Decimal("80"))],
        confirm=True,
    )
    # when / then
    assert_same(render(OrderDetailSerializer, order), OrderDetailSerializer(order).data)


def test_intake_out_of_an_external_order(store, rt, tomorrow, clerk):
    mall = ChannelFactory(store=store, code="mall", name="商城", channel_type="mall")
    result = services.order_intake_external(
        store=store, actor=clerk, channel=mall, external_ref="M-1", room_type=rt, arrival=tomorrow,
        departure=tomorrow + timedelta(days=2), amount=Decimal("555.55"), booker=PersonIn(full_name="陈晨", phone="13900001111"),
        guests=[PersonIn(full_name="陈晨", phone="13900001111", is_primary=True)],
    )
    order = selectors.order_get(store=store, order_id=result.order.pk)
    order.outcome = result.outcome
    # when
    ours = render(IntakeOutSerializer, order)
    # then
    assert_same(ours, IntakeOutSerializer(order).data)
    assert (ours["outcome"], ours["external_ref"], ours["channel_name"], list(ours)[-1]) == ("confirmed", "M-1", "商城", "outcome")


def test_order_rows_of_a_page(store, rt, tomorrow, clerk):
    services.order_create(store=store, actor=None, room_type=rt, arrival=tomorrow, departure=tomorrow + timedelta(days=1))
    services.order_create(store=store, actor=clerk, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow,
                          departure=tomorrow + timedelta(days=2), guests=[PersonIn(full_name="李雷")], confirm=True)
    page = list(selectors.order_list(store=store))
    # when
    ours = render_many(OrderRowSerializer, page)
    # then
    assert_same(ours, OrderRowSerializer(page, many=True).data)
    assert [(r["room_number"], r["guest_name"]) for r in ours] == [(rt.rooms_list[0].number, "李雷"), (None, "")]


def test_the_detail_endpoint_answers_what_drf_renders(store, rt, tomorrow, api):
    order = services.order_create(store=store, actor=None, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow,
                                  departure=tomorrow + timedelta(days=2), guests=[PersonIn(full_name="李雷")])
    client = api("alpha", "clerk_a1")
    # when
    response = client.get(f"{client.prefix}/stores/{store.pk}/orders/{order.pk}/")
    # then
    assert response.status_code == 200
    assert response.json() == _as_json(OrderDetailSerializer(selectors.order_get(store=store, order_id=order.pk)).data)
    assert list(response.json()) == list(OrderDetailSerializer().fields)
