"""iCal both ways: a room's export (all-day events, exclusive end, stable UIDs, no guest
name), a round trip into another store blocking the same nights, the shapes Airbnb,
Booking.com and Chinese platforms emit, a removed or cancelled event releasing its nights,
a collision kept as a conflict, and outbound URLs guarded."""
import threading
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import icalendar
import pytest
from django.test import Client

from apps.common.errors import DomainError, DomainValidationError
from apps.ical.models import IcalImport
from apps.ical.services import ical_export_create, ical_export_render, ical_import_create, ical_import_run, ical_parse
from apps.orders import services as orders
from apps.orders.models import Order
from apps.orders.services import PersonIn
from apps.orders.tests.factories import ChannelFactory, booking, room_type_with_rooms
from apps.rooms.models import RoomNight
from apps.rooms.services import room_lock_create


class Feed:
    """A calendar served on 127.0.0.1 by the test (``body`` may change between reads)."""

    def __init__(self, body: bytes = b"", status: int = 200, location: str | None = None):
        self.body, self.status, self.location = body, status, location
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(feed.status)
                if feed.location:
                    self.send_header("Location", feed.location)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(feed.body)))
                self.end_headers()
                self.wfile.write(feed.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/calendar.ics"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def rooms(store, direct):
    room_type, rooms = room_type_with_rooms(store, 2)
    return rooms


def _calendar(*events: str) -> bytes:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n").encode()


def _vevent(uid: str, start: str, end: str | None = None, extra: str = "") -> str:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261201T000000Z", start]
    if end:
        lines.append(end)
    return "\r\n".join(lines) + "\r\n" + extra + "END:VEVENT\r\n"


def _nights(room):
    return sorted(RoomNight.objects.filter(room=room).values_list("night", flat=True))


def test_a_rooms_export_lists_its_stays_and_locks_as_all_day_events_without_the_guest(store, rooms, tomorrow):
    room = rooms[0]
    order = orders.order_create(**booking(store=store, actor=None, room_type=room.room_type, room=room, arrival=tomorrow,
                                          departure=tomorrow + timedelta(days=2), confirm=True,
                                          guests=[PersonIn(full_name="王小明", phone="13812345678")]))
    lock = room_lock_create(store=store, room=room, lock_type="maintenance", start_date=tomorrow + timedelta(days=5),
                            end_date=tomorrow + timedelta(days=7))
    export = ical_export_create(store=store, room=room)
    # when: read by anyone holding the URL
    response = Client().get(f"/t/alpha/ical/{export.token}.ics")
    # then
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert b"DTSTART;VALUE=DATE:" + f"{tomorrow:%Y%m%d}".encode() in body
    assert "王小明".encode() not in body and b"13812345678" not in body and b"5678" not in body
    events = [(str(e["UID"]), e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"]))
              for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    assert events == [
        (f"order-{order.pk}@store{store.pk}.pms", tomorrow, tomorrow + timedelta(days=2), "Reserved"),
        (f"lock-{lock.pk}-{tomorrow + timedelta(days=5):%Y%m%d}@store{store.pk}.pms", tomorrow + timedelta(days=5),
         tomorrow + timedelta(days=7), "Not available"),
    ]
    assert Client().get("/t/alpha/ical/not-a-token.ics").status_code == 404


def test_a_room_types_export_shows_the_nights_it_is_sold_out(store, rooms, tomorrow):
    rt = rooms[0].room_type
    for room in rooms:
        orders.order_create(**booking(store=store, actor=None, room_type=rt, room=room, arrival=tomorrow,
                                      departure=tomorrow + timedelta(days=2), confirm=True))
    orders.order_create(**booking(store=store, actor=None, room_type=rt, arrival=tomorrow + timedelta(days=2),
                                  departure=tomorrow + timedelta(days=3), confirm=True))
    body = ical_export_render(export=ical_export_create(store=store, room_type=rt))
    events = [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    assert events == [(tomorrow, tomorrow + timedelta(days=2))]


def test_round_trip_export_then_import_into_another_store_blocks_the_same_nights(store, store2, rooms, tomorrow):
    room = rooms[0]
    orders.order_create(**booking(store=store, actor=None, room_type=room.room_type, room=room, arrival=tomorrow,
                                  departure=tomorrow + timedelta(days=3), confirm=True))
    room_lock_create(store=store, room=room, lock_type="hold", start_date=tomorrow + timedelta(days=6),
                     end_date=tomorrow + timedelta(days=8))
    export = ical_export_create(store=store, room=room)
    _rt2, rooms2 = room_type_with_rooms(store2, 1)
    channel = ChannelFactory(store=store2, code="ical", name="另一家店", channel_type="ota")
    with Feed(ical_export_render(export=export)) as feed:
        imported = ical_import_create(store=store2, room=rooms2[0], channel=channel, url=feed.url)
        counts = ical_import_run(feed=imported)
        again = ical_import_run(feed=imported)
    assert counts == {"booked": 2, "conflicts": 0, "cancelled": 0, "unchanged": 0, "skipped": 0}
    assert again == {"booked": 0, "conflicts": 0, "cancelled": 0, "unchanged": 2, "skipped": 0}
    assert _nights(rooms2[0]) == _nights(room)
    made = Order.objects.filter(store=store2)
    assert {(o.status, o.channel_id, o.source, o.total_amount) for o in made} == {("confirmed", channel.pk, "external", Decimal("0.00"))}


def test_the_shapes_airbnb_booking_and_chinese_platforms_emit(store):
    airbnb = _calendar(
        _vevent("1418fb94e984-abc@airbnb.com", "DTSTART;VALUE=DATE:20270110", "DTEND;VALUE=DATE:20270113",
                "SUMMARY:Reserved\r\nDESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/HM1\r\n"),
        _vevent("1418fb94e984-def@airbnb.com", "DTSTART;VALUE=DATE:20270120", "DTEND;VALUE=DATE:20270121",
                "SUMMARY:Airbnb (Not available)\r\n"),
    )
    booking_com = _calendar(_vevent("8a8c1f2e@booking.com", "DTSTART;VALUE=DATE:20270201", "DTEND;VALUE=DATE:20270204",
                                    "SUMMARY:CLOSED - Not available\r\n"))
    chinese = _calendar(
        # timed, in Beijing time (a 14:00 arrival, a 12:00 departure)
        _vevent("order-88001@tujia", "DTSTART;TZID=Asia/Shanghai:20270301T140000", "DTEND;TZID=Asia/Shanghai:20270303T120000",
                "SUMMARY:已预订\r\n"),
        # in UTC: 16:00Z on 3 March is 00:00 on the 4th in Beijing
        _vevent("order-88002@tujia", "DTSTART:20270303T160000Z", None, "DURATION:P2D\r\nSUMMARY:已预订\r\n"),
        # no DTEND: one night
        _vevent("blk-3@xiaozhu", "DTSTART;VALUE=DATE:20270310", None, "SUMMARY:关房\r\n"),
        _vevent("gone@xiaozhu", "DTSTART;VALUE=DATE:20270312", "DTEND;VALUE=DATE:20270314", "STATUS:CANCELLED\r\n"),
    )
    assert ical_parse(airbnb, time_zone="Asia/Shanghai") == {
        "1418fb94e984-abc@airbnb.com": (date(2027, 1, 10), date(2027, 1, 13)),
        "1418fb94e984-def@airbnb.com": (date(2027, 1, 20), date(2027, 1, 21)),
    }
    assert ical_parse(booking_com, time_zone="Asia/Shanghai") == {"8a8c1f2e@booking.com": (date(2027, 2, 1), date(2027, 2, 4))}
    assert ical_parse(chinese, time_zone="Asia/Shanghai") == {
        "order-88001@tujia": (date(2027, 3, 1), date(2027, 3, 3)),
        "order-88002@tujia": (date(2027, 3, 4), date(2027, 3, 6)),
        "blk-3@xiaozhu": (date(2027, 3, 10), date(2027, 3, 11)),
    }
    with pytest.raises(DomainError) as exc:
        ical_parse(b"<html>not a calendar</html>", time_zone="Asia/Shanghai")
    assert exc.value.code == "ical_feed_unreadable"


def test_a_removed_or_cancelled_event_releases_its_nights_and_a_collision_is_kept_as_a_conflict(store, rooms, tomorrow):
    room = rooms[0]
    channel = ChannelFactory(store=store, code="airbnb", name="Airbnb", channel_type="ota")
    d = [tomorrow + timedelta(days=i) for i in range(12)]
    orders.order_create(**booking(store=store, actor=None, room_type=room.room_type, room=room, arrival=d[10],
                                  departure=d[11], confirm=True))
    first = _calendar(_vevent("a@x", f"DTSTART;VALUE=DATE:{d[1]:%Y%m%d}", f"DTEND;VALUE=DATE:{d[3]:%Y%m%d}"),
                      _vevent("b@x", f"DTSTART;VALUE=DATE:{d[5]:%Y%m%d}", f"DTEND;VALUE=DATE:{d[6]:%Y%m%d}"),
                      _vevent("c@x", f"DTSTART;VALUE=DATE:{d[10]:%Y%m%d}", f"DTEND;VALUE=DATE:{d[11]:%Y%m%d}"))
    with Feed(first) as feed:
        imported = ical_import_create(store=store, room=room, channel=channel, url=feed.url)
        assert ical_import_run(feed=imported) == {"booked": 2, "conflicts": 1, "cancelled": 0, "unchanged": 0, "skipped": 0}
        conflict = Order.objects.get(store=store, channel=channel, arrival=d[10])
        assert (conflict.status, conflict.is_conflict, conflict.conflict_reason) == ("pending_confirmation", True, "room_unavailable")
        assert _nights(room) == [d[1], d[2], d[5], d[10]]
        # when: a@x removed, b@x cancelled
        feed.body = _calendar(_vevent("b@x", f"DTSTART;VALUE=DATE:{d[5]:%Y%m%d}", f"DTEND;VALUE=DATE:{d[6]:%Y%m%d}",
                                      "STATUS:CANCELLED\r\n"),
                              _vevent("c@x", f"DTSTART;VALUE=DATE:{d[10]:%Y%m%d}", f"DTEND;VALUE=DATE:{d[11]:%Y%m%d}"))
        assert ical_import_run(feed=imported) == {"booked": 0, "conflicts": 0, "cancelled": 2, "unchanged": 1, "skipped": 0}
    assert _nights(room) == [d[10]]  # the desk's own booking
    assert sorted(Order.objects.filter(store=store, channel=channel).values_list("arrival", "status")) == [
        (d[1], "cancelled"), (d[5], "cancelled"), (d[10], "pending_confirmation")]


@pytest.mark.parametrize("url", ["http://10.0.0.8/cal.ics", "http://169.254.169.254/cal.ics", "http://localhost/cal.ics",
                                 "file:///etc/passwd"])
def test_private_loopback_and_odd_calendar_urls_are_refused(store, rooms, settings, url):
    settings.PMS_OUTBOUND_ALLOWED_HOSTS = []
    channel = ChannelFactory(store=store, code="airbnb", name="Airbnb", channel_type="ota")
    with pytest.raises(DomainValidationError) as exc:
        ical_import_create(store=store, room=rooms[0], channel=channel, url=url)
    assert exc.value.code == "ical_url_not_allowed"
    assert IcalImport.objects.count() == 0


def test_a_calendar_that_redirects_is_not_followed(store, rooms):
    channel = ChannelFactory(store=store, code="airbnb", name="Airbnb", channel_type="ota")
    with Feed(status=302, location="http://169.254.169.254/latest/meta-data/") as feed:
        imported = ical_import_create(store=store, room=rooms[0], channel=channel, url=feed.url)
        with pytest.raises(DomainError) as exc:
            ical_import_run(feed=imported)
    assert exc.value.code == "ical_feed_unreadable"
    imported.refresh_from_db()
    assert imported.last_error.startswith("ical_feed_unreadable")
    assert Order.objects.filter(store=store).count() == 0


def test_a_manager_makes_an_export_url_and_an_import_and_runs_it(store, rooms, tomorrow, api):
    manager = api("alpha", "manager_a1", language="en")
    base = f"/t/alpha/api/v1/stores/{store.pk}/ical/"
    channel = ChannelFactory(store=store, code="airbnb", name="Airbnb", channel_type="ota")
    assert api("alpha", "clerk_a1", language="en").get(base + "exports/").status_code == 403
    made = manager.post(base + "exports/", {"room": rooms[0].pk}, format="json")
    assert made.status_code == 201, made.json()
    path = made.json()["path"]
    assert path.startswith("/t/alpha/ical/") and Client().get(path).status_code == 200
    both = manager.post(base + "exports/", {"room": rooms[0].pk, "room_type": rooms[0].room_type_id}, format="json")
    assert (both.status_code, both.json()["code"]) == (400, "ical_export_target_invalid")
    calendar = _calendar(_vevent("z@x", f"DTSTART;VALUE=DATE:{tomorrow:%Y%m%d}", f"DTEND;VALUE=DATE:{tomorrow + timedelta(days=2):%Y%m%d}"))
    with Feed(calendar) as feed:
        created = manager.post(base + "imports/", {"room": rooms[1].pk, "channel": channel.pk, "url": feed.url}, format="json")
        assert created.status_code == 201, created.json()
        ran = manager.post(f"{base}imports/{created.json()['id']}/run/")
    assert (ran.status_code, ran.json()) == (200, {"booked": 1, "conflicts": 0, "cancelled": 0, "unchanged": 0, "skipped": 0})
    assert _nights(rooms[1]) == [tomorrow, tomorrow + timedelta(days=1)]
    assert manager.delete(f"{base}exports/{made.json()['id']}/").status_code == 204
    assert Client().get(path).status_code == 404
