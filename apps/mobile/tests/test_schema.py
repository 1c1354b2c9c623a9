"""The owner app's operations in the OpenAPI schema: stable ids, tag, every response and
error documented with examples in the one error shape, no generator warnings."""
import json

from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

ERROR_REF = {"$ref": "#/components/schemas/Error"}
EXPECTED = {
    "mobile_room_status_get": {"200", "400", "401", "403", "404"},
    "mobile_today_get": {"200", "400", "401", "403", "404"},
    # 422 idempotency_key_mismatch (and 409 idempotency_key_in_flight): the Idempotency-Key; 413/415: a body too large, not JSON
    "mobile_order_check_in": {"200", "400", "401", "403", "404", "409", "413", "415", "422"},
    "mobile_order_check_out": {"200", "400", "401", "403", "404", "409", "413", "415", "422"},
    "mobile_room_housekeeping_set": {"200", "400", "401", "403", "404", "409", "413", "415"},
    "mobile_reminders_list": {"200", "400", "401", "403", "404"},
    "mobile_overview_get": {"200", "400", "401", "403", "404"},
}
PATHS = {
    "mobile_room_status_get": "/api/v1/stores/{store_id}/m/room-status/",
    "mobile_today_get": "/api/v1/stores/{store_id}/m/today/",
    "mobile_order_check_in": "/api/v1/stores/{store_id}/m/orders/{order_id}/check-in/",
    "mobile_order_check_out": "/api/v1/stores/{store_id}/m/orders/{order_id}/check-out/",
    "mobile_room_housekeeping_set": "/api/v1/stores/{store_id}/m/rooms/{room_id}/housekeeping/",
    "mobile_reminders_list": "/api/v1/m/reminders/",
    "mobile_overview_get": "/api/v1/m/overview/",
}


def _ops(schema):
    return {
        op["operationId"]: (url, op)
        for url, item in schema["paths"].items() for op in item.values() if isinstance(op, dict) and "operationId" in op
    }


def test_mobile_operations_are_documented_with_examples_and_errors(client, db):
    schema = json.loads(client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en").content)
    ops = {k: v for k, v in _ops(schema).items() if k.startswith("mobile_")}
    assert set(ops) == set(EXPECTED)
    for op_id, (url, op) in ops.items():
        assert url == PATHS[op_id]
        assert op["tags"] == ["mobile"]
        assert set(op["responses"]) == EXPECTED[op_id], op_id
        assert {"bearerAuth": []} in op["security"]
        ok = op["responses"]["200"]["content"]["application/json"]
        assert ok["examples"], op_id
        for status, response in op["responses"].items():
            if status >= "400":
                media = response["content"]["application/json"]
                assert media["schema"] == ERROR_REF, (op_id, status)
                assert media["examples"], (op_id, status)
                assert all(set(e["value"]) == {"detail", "code", "extra"} for e in media["examples"].values()), (op_id, status)
    check_in = ops["mobile_order_check_in"][1]
    codes = {e["value"]["code"] for e in check_in["responses"]["409"]["content"]["application/json"]["examples"].values()}
    assert {"too_early_to_check_in", "room_required", "room_unavailable", "illegal_transition"} <= codes
    reminders = ops["mobile_reminders_list"][1]
    assert {p["name"] for p in reminders["parameters"]} == {"store", "cursor", "limit", "kinds"}
    room = schema["components"]["schemas"]["MobileRoomStatusRoom"]["properties"]
    assert room["housekeeping"] == {"$ref": "#/components/schemas/HousekeepingEnum"}


def test_mobile_schema_has_no_generator_warnings(db):
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator(patterns=[path("api/v1/", include("apps.mobile.urls_api"))]).get_schema(request=None, public=True)
    problems = sorted({*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache})
    GENERATOR_STATS.reset()
    assert problems == []
