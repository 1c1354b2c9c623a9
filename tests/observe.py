"""Helpers of the observability tests: the log lines as the project renders them, and
bookings through the API of a committed tenant."""
from __future__ import annotations

import io
import json
import logging
from contextlib import contextmanager
from datetime import timedelta

from django_tenants.utils import tenant_context

from apps.common import logs


@contextmanager
def json_log_lines(level: int = logging.DEBUG):
    """Every record logged meanwhile, rendered by the project's formatter (the one
    ``LOGGING`` installs): ``lines()`` gives the JSON objects, ``text()`` the raw output."""
    stream = io.StringIO()
    spec = dict(logs.formatter("json"))
    factory = spec.pop("()")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**spec))
    handler.setLevel(level)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)

    class Captured:
        @staticmethod
        def text() -> str:
            return stream.getvalue()

        @staticmethod
        def lines() -> list[dict]:
            return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    try:
        yield Captured
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def api_booker(tenant, store):
    """(token key, room type) for bookings through the API by the committed tenant's admin."""
    from django.contrib.auth import get_user_model

    from apps.orders.tests.factories import room_type_with_rooms
    from apps.tenancy.auth_services import integration_token_create

    with tenant_context(tenant):
        admin = get_user_model().objects.get(username="admin_c")
        _token, key = integration_token_create(user=admin, name="observe")
        room_type, _rooms = room_type_with_rooms(store, 30)
    return key, room_type


def booking_body(room_type, arrival, *, nights: int = 1, **person) -> dict:
    person = person or {"full_name": "王小明", "phone": "13812345678"}
    return {
        "room_type": room_type.pk, "arrival": arrival.isoformat(),
        "departure": (arrival + timedelta(days=nights)).isoformat(), "adults": 1,
        "booker": person, "guests": [person], "confirm": True,
    }
