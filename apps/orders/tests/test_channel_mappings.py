"""Channel mappings: a channel's room and rate codes to the store's room types; one room
type per (channel, codes), inside the store (the table's constraints), managed through the
API by managers, resolved rate-specific first."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.common.errors import DomainValidationError
from apps.orders import selectors, services
from apps.orders.models import ChannelMapping, Order
from apps.orders.tests.factories import ChannelFactory
from apps.rooms.models import RoomType
from apps.rooms.services import stay_restrictions_set


@pytest.fixture
def ctrip(store):
    return ChannelFactory(store=store, code="ctrip", name="携程", channel_type="ota")


def test_codes_resolve_rate_specific_first_then_any_rate(store, rt, ctrip):
    suite = RoomType.objects.create(store=store, name="家庭套房", default_price=Decimal("688"))
    services.channel_mapping_create(store=store, channel=ctrip, room_type=rt, external_room_code="DLX")
    services.channel_mapping_create(store=store, channel=ctrip, room_type=suite, external_room_code="DLX", external_rate_code="PKG")
    assert selectors.channel_mapping_resolve(channel=ctrip, room_code="DLX", rate_code="BAR") == rt
    assert selectors.channel_mapping_resolve(channel=ctrip, room_code="DLX", rate_code="PKG") == suite
    assert selectors.channel_mapping_resolve(channel=ctrip, room_code="STD") is None


def test_the_same_codes_twice_are_refused_by_the_service_and_the_table(store, rt, ctrip):
    services.channel_mapping_create(store=store, channel=ctrip, room_type=rt, external_room_code="DLX")
    with pytest.raises(DomainValidationError) as exc:
        services.channel_mapping_create(store=store, channel=ctrip, room_type=rt, external_room_code="DLX")
    assert exc.value.code == "channel_mapping_taken"
    with pytest.raises(IntegrityError) as raw, transaction.atomic():
        ChannelMapping.objects.create(store=store, channel=ctrip, room_type=rt, external_room_code="DLX")
    assert "channelmapping_codes_unique_per_channel" in str(raw.value)
    assert ChannelMapping.objects.count() == 1


def test_the_table_keeps_the_channel_and_room_type_in_the_mappings_store(store, store2, rt, ctrip):
    other = ChannelFactory(store=store2, code="ctrip", name="携程", channel_type="ota")
    with pytest.raises(IntegrityError) as raw, transaction.atomic():
        ChannelMapping.objects.create(store=store2, channel=other, room_type=rt, external_room_code="DLX")
    assert "channelmapping_room_type_same_store" in str(raw.value)


def test_managers_map_codes_through_the_api_clerks_read_them(store, rt, ctrip, api):
    manager, clerk = api("alpha", "manager_a1", language="en"), api("alpha", "clerk_a1", language="en")
    url = f"/t/alpha/api/v1/stores/{store.pk}/channel-mappings/"
    body = {"channel": ctrip.pk, "room_type": rt.pk, "external_room_code": "DLX-KING", "external_rate_code": "BAR"}
    assert clerk.post(url, body, format="json").status_code == 403
    created = manager.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    mapping_id = created.json()["id"]
    assert clerk.get(url, {"channel": ctrip.pk}).json() == [{
        "id": mapping_id, "channel_id": ctrip.pk, "channel_code": "ctrip", "external_room_code": "DLX-KING",
        "external_rate_code": "BAR", "room_type_id": rt.pk, "room_type_name": rt.name, "is_active": True,
    }]
    twice = manager.post(url, body, format="json")
    assert (twice.status_code, twice.json()["code"]) == (400, "channel_mapping_taken")
    off = manager.patch(f"{url}{mapping_id}/", {"is_active": False}, format="json")
    assert (off.status_code, off.json()["is_active"]) == (200, False)
    assert manager.delete(f"{url}{mapping_id}/").status_code == 204
    assert ChannelMapping.objects.count() == 0


def test_an_ota_pushes_its_own_room_code_and_a_closed_night_keeps_the_order_as_a_conflict(store, rt, ctrip, tomorrow, manager, api):
    services.channel_mapping_create(store=store, channel=ctrip, room_type=rt, external_room_code="DLX-KING", external_rate_code="BAR")
    clerk = api("alpha", "clerk_a1", language="en")
    body = {"channel": "ctrip", "external_ref": "C-1", "room_type": "DLX-KING", "rate_code": "BAR",
            "arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=2)).isoformat(),
            "guest": {"full_name": "陈晨"}, "amount": "600.00"}
    url = f"/t/alpha/api/v1/stores/{store.pk}/external-orders/"
    first = clerk.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert (first.status_code, first.json()["outcome"]) == (201, "confirmed"), first.json()
    assert Order.objects.get(pk=first.json()["id"]).room_type_id == rt.pk
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow, end=tomorrow + timedelta(days=1), actor=manager,
                          closed_to_arrival=True)
    second = clerk.post(url, {**body, "external_ref": "C-2"}, format="json", HTTP_IDEMPOTENCY_KEY="c-2")
    assert (second.status_code, second.json()["outcome"], second.json()["conflict_reason"]) == (
        202, "conflict", "stay_closed_to_arrival")
    unknown = clerk.post(url, {**body, "external_ref": "C-3", "room_type": "STD"}, format="json", HTTP_IDEMPOTENCY_KEY="c-3")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "room_type_unknown")
