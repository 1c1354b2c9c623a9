"""JSON bodies are read as the schema types them, and the schema states what the code takes
(issue 17, the contract run's ``negative_data_rejection`` and ``positive_data_acceptance``).

Before: a number for a text (``"name": 0``), ``0``/``1``/``"yes"`` for a boolean, ``"12"`` for
an integer and a JSON number for money were coerced and accepted; ``kinds``, ``status`` and
``store`` took values their schema did not describe; the Idempotency-Key header's schema took
keys the server refuses; a text of spaces passed the schema's ``minLength`` and was refused.
"""
from __future__ import annotations

import re

import pytest
from django.http import QueryDict
from rest_framework import serializers

from apps.common.fields import CommaSeparatedChoiceField
from apps.common.schema import NON_BLANK_TEXT_PATTERN, TEXT_PATTERN
from apps.folios.tests.factories import primary_folio
from apps.orders.models import Channel
from apps.orders.tests.factories import make_order, room_type_with_rooms


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


class Body(serializers.Serializer):
    name = serializers.CharField(required=False)
    flag = serializers.BooleanField(required=False)
    count = serializers.IntegerField(required=False)
    ratio = serializers.FloatField(required=False)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    kind = serializers.ChoiceField(choices=["a", "0"], required=False)
    level = serializers.ChoiceField(choices=[1, 2], required=False)
    ref = serializers.UUIDField(required=False)


@pytest.mark.parametrize(("field", "value"), [
    ("name", 0), ("name", 1.5), ("name", True),
    ("flag", 0), ("flag", 1), ("flag", "true"), ("flag", "yes"),
    ("count", "12"), ("count", True), ("count", 1.5),
    ("ratio", "1.5"), ("ratio", False),
    ("amount", 12.5), ("amount", 12), ("amount", True),
    ("kind", 0), ("level", "1"),
    ("ref", 1),
])
def test_a_json_body_value_of_another_type_is_refused(field, value):
    serializer = Body(data={field: value})
    assert not serializer.is_valid()
    assert list(serializer.errors) == [field]


@pytest.mark.parametrize(("field", "value", "parsed"), [
    ("name", "0", "0"), ("flag", True, True), ("flag", False, False), ("count", 12, 12), ("count", 12.0, 12),
    ("ratio", 1, 1.0), ("amount", "12.50", "12.50"), ("kind", "0", "0"), ("level", 1, 1),
])
def test_a_json_body_value_of_the_schema_type_is_taken(field, value, parsed):
    serializer = Body(data={field: value})
    assert serializer.is_valid(), serializer.errors
    assert str(serializer.validated_data[field]) == str(parsed)


def test_query_strings_are_text_and_keep_drf_parsing():
    serializer = Body(data=QueryDict("name=0&flag=true&count=12&ratio=1.5&amount=12.5&level=1"))
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["flag"] is True and serializer.validated_data["count"] == 12


def test_a_nested_value_is_strict_too():
    class Outer(serializers.Serializer):
        inner = Body()
        items = serializers.ListField(child=serializers.IntegerField())

    serializer = Outer(data={"inner": {"flag": 1}, "items": [1, "2"]})
    assert not serializer.is_valid()
    assert set(serializer.errors) == {"inner", "items"}


def test_the_api_refuses_a_number_for_a_text_and_for_a_boolean(api, store, direct):
    manager = api("alpha", "manager_a1", language="en")
    for body, field in (({"code": "qunar", "name": 0, "channel_type": "ota"}, "name"),
                        ({"code": "qunar", "name": "去哪儿", "channel_type": "ota", "is_active": 1}, "is_active"),
                        ({"code": "qunar", "name": "去哪儿", "channel_type": "ota", "sort_order": "3"}, "sort_order")):
        response = manager.post(url(store, "channels/"), body, format="json")
        assert response.status_code == 400, response.content
        assert list(response.json()["extra"]["fields"]) == [field]
    assert not Channel.objects.filter(store=store, code="qunar").exists()
    response = manager.post(url(store, "channels/"), {"code": "qunar", "name": "去哪儿", "channel_type": "ota",
                                                      "is_active": False, "sort_order": 3}, format="json")
    assert response.status_code == 201, response.content


def test_the_api_refuses_money_as_a_json_number(api, store, direct):
    manager = api("alpha", "manager_a1", language="en")
    body = {"name": "Breakfast", "default_price": 38, "category": "other"}
    response = manager.post(url(store, "extra-items/"), body, format="json")
    assert response.status_code == 400 and list(response.json()["extra"]["fields"]) == ["default_price"], response.content
    response = manager.post(url(store, "extra-items/"), {**body, "default_price": "38.00"}, format="json")
    assert response.status_code == 201, response.content


def test_query_parameters_stay_text(api, store, direct):
    clerk = api("alpha", "clerk_a1", language="en")
    response = clerk.get(url(store, "orders/"), {"is_conflict": "true", "status": "confirmed, checked_in"})
    assert response.status_code == 200, response.content


def test_comma_separated_values_match_their_pattern():
    field = CommaSeparatedChoiceField(choices=["new", "old"])
    pattern = re.compile(field.pattern())
    for text, items in (("new", ["new"]), ("new,old", ["new", "old"]), (" new , old ", ["new", "old"])):
        assert pattern.search(text) and field.run_validation(text) == items
    for text in ("new,", ",new", "new,,old", ""):
        assert not pattern.search(text)
        with pytest.raises(serializers.ValidationError):
            field.run_validation(text)
    assert not pattern.search("\tnew") and field.run_validation("\tnew") == ["\tnew"]  # the serializer names it unknown


def test_orders_status_list_refuses_an_empty_item(api, store, direct):
    clerk = api("alpha", "clerk_a1", language="en")
    response = clerk.get(url(store, "orders/"), {"status": "confirmed,,checked_in"})
    assert response.status_code == 400 and list(response.json()["extra"]["fields"]) == ["status"]


def _schema(client):
    response = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.json()


def _parameter(schema, path, method, name):
    return next(p for p in schema["paths"][path][method]["parameters"] if p["name"] == name)["schema"]


def test_the_schema_states_what_the_code_takes(client, db):
    schema = _schema(client)
    status = _parameter(schema, "/api/v1/stores/{store_id}/orders/", "get", "status")
    assert re.search(status["pattern"], "confirmed,checked_in") and not re.search(status["pattern"], "0")
    kinds = _parameter(schema, "/api/v1/m/reminders/", "get", "kinds")
    assert re.search(kinds["pattern"], "created, cancelled") and not re.search(kinds["pattern"], "created,")
    store = _parameter(schema, "/api/v1/m/overview/", "get", "store")
    assert [bool(re.search(store["pattern"], s)) for s in ("all", "12", "0", " 1", "³")] == [True, True, False, False, False]
    key = _parameter(schema, "/api/v1/stores/{store_id}/orders/{id}/cancel/", "post", "Idempotency-Key")
    assert re.search(key["pattern"], "3f0c-key") and not any(re.search(key["pattern"], k) for k in ("", "é", "x" * 256))
    days = _parameter(schema, "/api/v1/stores/{store_id}/grid/", "get", "days")
    assert (days["minimum"], days["maximum"]) == (1, 90)
    start = _parameter(schema, "/api/v1/stores/{store_id}/grid/", "get", "start")
    assert [bool(re.search(start["pattern"], d)) for d in ("1900-01-01", "2026-12-07", "9998-12-31", "9999-01-01", "0001-01-01")] \
        == [True, True, True, False, False]
    # a required text DRF trims before refusing it as blank
    name = schema["components"]["schemas"]["ChannelInRequest"]["properties"]["name"] \
        if "ChannelInRequest" in schema["components"]["schemas"] else None
    patterns = [prop.get("pattern") for component in schema["components"]["schemas"].values()
                for prop in component.get("properties", {}).values() if isinstance(prop, dict)]
    blank = NON_BLANK_TEXT_PATTERN
    assert blank in patterns and (name is None or name.get("pattern") == blank)
    assert [bool(re.search(blank, v)) for v in (" x ", "山景", "\U0001f600", " \t\x1f", "", "a\x00", "\x00")] \
        == [True, True, True, False, False, False, False]
    reveal = schema["components"]["schemas"]["RevealInRequest"]["properties"]["fields"]
    assert reveal["minItems"] == 1  # the reveal of nothing is refused
    # a text that may be blank (the name search) still holds nothing PostgreSQL cannot store
    assert [bool(re.search(TEXT_PATTERN, v)) for v in ("", " ", "x", "\x00", "x\x00y")] == [True, True, True, False, False]
    assert _parameter(schema, "/api/v1/contacts/", "get", "q")["pattern"] == TEXT_PATTERN
    percent = schema["components"]["schemas"]["PatchedCancellationPolicyInRequest"]["properties"]["cancel_fee_percent"]["pattern"]
    assert [bool(re.search(percent, v)) for v in ("0", "12.5", "100", "100.00", "100.01", "101", "-1")] \
        == [True, True, True, True, False, False, False]


def _patterns(node):
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


def test_every_pattern_of_the_schema_is_a_regex_validators_read(client, db):
    """A pattern a validator cannot read constrains nothing for it (a surrogate range, say:
    Schemathesis then generated NUL characters the pattern meant to bar)."""
    import jsonschema_rs

    patterns = set(_patterns(_schema(client)))
    assert NON_BLANK_TEXT_PATTERN in patterns and TEXT_PATTERN in patterns
    unreadable = []
    for pattern in sorted(patterns):
        try:
            jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
        except Exception:  # noqa: BLE001 - the validator's error for a bad pattern
            unreadable.append(pattern)
    assert unreadable == []
    non_blank = jsonschema_rs.validator_for({"type": "string", "pattern": NON_BLANK_TEXT_PATTERN})
    assert [non_blank.is_valid(v) for v in ("山景", " x", " \t", "a\x00")] == [True, True, False, False]


def test_an_empty_print_language_is_refused_as_the_schema_says(api, store, direct):
    room_type, _rooms = room_type_with_rooms(store, 1)
    folio = primary_folio(make_order(store, room_type=room_type))
    clerk = api("alpha", "clerk_a1", language="en")
    response = clerk.get(url(store, f"folios/{folio.pk}/print/"), {"lang": ""})
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()) == {"detail", "code", "extra", "request_id"}  # the print view renders HTML: its 400s carry no field list
    assert clerk.get(url(store, f"folios/{folio.pk}/print/"), {"lang": "en"}).status_code == 200
    # DRF's renderer choice: an empty ?format= is refused like every blank query value (the enum has no "")
    assert clerk.get(url(store, f"folios/{folio.pk}/print/"), {"format": ""}).status_code == 400
    assert clerk.get(url(store, f"folios/{folio.pk}/print/"), {"format": "html"}).status_code == 200
