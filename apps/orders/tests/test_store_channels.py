"""A store starts with the default channels (``store_create`` -> ``store_setup``), so a
channel manager's first order to a new store is taken (it was refused ``channel_unknown``:
the defaults were made on the first desk order only); stores made before that get them
from migration orders.0010."""
from __future__ import annotations

import importlib
from datetime import timedelta

from django.apps import apps as django_apps

from apps.orders.models import Channel, Order
from apps.orders.services import DEFAULT_CHANNELS
from apps.orders.tests.factories import room_type_with_rooms
from apps.tenancy.business_day import store_local_date
from apps.tenancy.models import Store
from apps.tenancy.services import store_create

DEFAULT_CODES = {code for code, _name, _kind in DEFAULT_CHANNELS}


def codes(store) -> set[str]:
    return set(Channel.objects.filter(store=store).values_list("code", flat=True))


def test_a_new_store_has_the_default_channels(in_alpha):
    store = store_create(name="新店", code="new")
    assert codes(store) == DEFAULT_CODES


def test_a_channel_managers_first_order_to_a_new_store_is_taken(in_alpha, api):
    store = store_create(name="新店", code="new")
    room_type, _rooms = room_type_with_rooms(store, 1)
    arrival = store_local_date(store=store) + timedelta(days=3)
    response = api("alpha", "admin_a").post(
        f"/t/alpha/api/v1/stores/{store.pk}/external-orders/",
        {"channel": "ctrip", "external_ref": "CT-1", "room_type": str(room_type.pk), "arrival": arrival.isoformat(),
         "departure": (arrival + timedelta(days=1)).isoformat(), "adults": 1, "guest": {"full_name": "陈晨"},
         "amount": "300.00"},
        format="json", HTTP_IDEMPOTENCY_KEY="first-push",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["channel_name"] == "携程"
    assert Order.objects.get(store=store).channel.code == "ctrip"


def test_the_migration_gives_the_defaults_to_stores_without_channels_only(in_alpha):
    bare = Store.objects.create(name="旧店", code="old")  # as made before: no channel
    kept = store_create(name="自定义店", code="custom")
    Channel.objects.filter(store=kept).exclude(code="direct").delete()  # its staff's choice
    migration = importlib.import_module("apps.orders.migrations.0010_default_channels_for_every_store")
    migration.backfill(django_apps, None)
    assert codes(bare) == DEFAULT_CODES
    assert codes(kept) == {"direct"}
    migration.backfill(django_apps, None)  # again: nothing more
    assert Channel.objects.filter(store=bare).count() == len(DEFAULT_CHANNELS)


def test_a_store_added_in_the_admin_has_them_too(in_alpha, browser_login):
    client = browser_login("alpha", "admin_a")
    response = client.post("/t/alpha/admin/tenancy/store/add/", {
        "name": "后台新店", "code": "admin-new", "address": "", "phone": "", "time_zone": "Asia/Shanghai",
        "currency": "CNY", "is_active": "on",
    })
    assert response.status_code == 302, response.content[:2000]
    assert codes(Store.objects.get(code="admin-new")) == DEFAULT_CODES
