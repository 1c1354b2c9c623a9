"""iCal both ways (RFC 5545, the ``icalendar`` library; docs/ical.md).

Export: the busy nights of a room (its stays and locks, one event each, no guest name or
number) or of a room type (the runs of nights it is sold out), all-day events
(``DTSTART;VALUE=DATE``, ``DTEND`` exclusive) with stable UIDs, behind a secret URL.

Import: an external calendar read into a room: each event (all-day or timed, in the
store's time zone) becomes an order of the feed's channel through the external intake
(``order_intake_external``: created and confirmed, or kept as a conflict when the room is
taken or a restriction is broken), priced 0 (an imported stay has no price: it counts in
nights, not in revenue or ADR); an event gone from the feed, or marked ``STATUS:CANCELLED``,
cancels its order and releases its nights; an event whose dates moved is cancelled and
booked again. Events already begun or past are left alone."""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import requests
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.common.outbound import url_check
from apps.ical.error_codes import IcalErrorCode
from apps.ical.models import IcalExport, IcalImport, IcalImportedStay
from apps.orders.models import Order
from apps.orders.selectors import stay_blocks
from apps.orders.services import StayIn, order_cancel, order_intake_external
from apps.rooms.inventory import free_counts
from apps.rooms.selectors import lock_blocks
from apps.tenancy.business_day import business_date

logger = logging.getLogger(__name__)

PRODID = "-//PMS//iCal export//ZH"
# The export covers a month back and a bit more than a year ahead.
PAST_DAYS, FUTURE_DAYS = 30, 400
MAX_FEED_BYTES = 2 * 1024 * 1024


# --- export ---------------------------------------------------------------------------------


def ical_export_create(*, store, room=None, room_type=None) -> IcalExport:
    if (room is None) == (room_type is None) or (room or room_type).store_id != store.pk:
        message = _("Give one room or one room type of this store.")
        raise DomainValidationError(IcalErrorCode.EXPORT_TARGET_INVALID, message, extra={"fields": {"room": [message]}})
    return IcalExport.objects.create(store=store, room=room, room_type=room_type, token=secrets.token_urlsafe(32))


def _event(uid: str, start: date, end: date, summary: str, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)  # a date: DTSTART;VALUE=DATE
    event.add("dtend", end)  # exclusive: the departure day
    event.add("summary", summary)
    event.add("transp", "OPAQUE")
    return event


def ical_export_render(*, export: IcalExport) -> bytes:
    """The calendar of ``export``: a room's stays and locks, or a room type's sold-out runs."""
    store = export.store
    today = business_date(store=store)
    start, end = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    stamp = timezone.now()
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    domain = f"store{store.pk}.pms"
    if export.room_id is not None:
        for block in stay_blocks(store=store, start=start, end=end):
            if block["room_id"] == export.room_id:
                cal.add_component(_event(f"order-{block['order_id']}@{domain}", block["arrival"], block["departure"],
                                         "Reserved", stamp))
        for block in lock_blocks(store=store, start=start, end=end):
            if block["room_id"] == export.room_id:
                cal.add_component(_event(f"lock-{block['lock_id']}-{block['first_night']:%Y%m%d}@{domain}", block["first_night"],
                                         block["last_night"] + timedelta(days=1), "Not available", stamp))
    else:
        free = free_counts(store_id=store.pk, start=start, end=end).get(export.room_type_id, {})
        run_start = None
        for night in sorted(free) + [None]:
            sold_out = night is not None and free[night] <= 0
            if sold_out and run_start is None:
                run_start = night
            if not sold_out and run_start is not None:
                last = night if night is not None else end
                cal.add_component(_event(f"type-{export.room_type_id}-{run_start:%Y%m%d}@{domain}", run_start, last,
                                         "Not available", stamp))
                run_start = None
    return cal.to_ical()


# --- import ---------------------------------------------------------------------------------


def ical_import_create(*, store, room, channel, url: str) -> IcalImport:
    url_check(url, code=IcalErrorCode.URL_NOT_ALLOWED)
    if room.store_id != store.pk or channel.store_id != store.pk:
        message = _("Give a room and a channel of this store.")
        raise DomainValidationError("invalid", message, extra={"fields": {"room": [message]}})
    return IcalImport.objects.create(store=store, room=room, channel=channel, url=url)


def _fetch(url: str) -> bytes:
    url_check(url, code=IcalErrorCode.URL_NOT_ALLOWED)
    try:
        response = requests.get(url, timeout=(3, 15), allow_redirects=False, stream=True,
                                headers={"User-Agent": "PMS-iCal/1", "Accept": "text/calendar"})
        if response.status_code != 200:
            raise DomainError(IcalErrorCode.FEED_UNREADABLE, _("The calendar answered %(code)s.") % {"code": response.status_code})
        body = response.raw.read(MAX_FEED_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise DomainError(IcalErrorCode.FEED_UNREADABLE, _("The calendar could not be read.")) from exc
    if len(body) > MAX_FEED_BYTES:
        raise DomainError(IcalErrorCode.FEED_UNREADABLE, _("The calendar is larger than 2 MB."))
    return body


def _as_date(value, tz: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(tz).date()
    return value


def ical_parse(body: bytes, *, time_zone: str) -> dict[str, tuple[date, date]]:
    """The events of a calendar that hold nights: ``{uid: (arrival, departure)}``. All-day
    events as they are (``DTEND`` exclusive; none: one night); timed ones by their dates in
    the store's time zone; a cancelled event (``STATUS:CANCELLED``) is left out, as if removed."""
    tz = ZoneInfo(time_zone)
    try:
        cal = icalendar.Calendar.from_ical(body)
    except ValueError as exc:
        raise DomainError(IcalErrorCode.FEED_UNREADABLE, _("This is not an iCal calendar.")) from exc
    events: dict[str, tuple[date, date]] = {}
    for event in cal.walk("VEVENT"):
        if str(event.get("STATUS", "")).upper() == "CANCELLED" or "DTSTART" not in event:
            continue
        arrival = _as_date(event.decoded("DTSTART"), tz)
        if "DTEND" in event:
            departure = _as_date(event.decoded("DTEND"), tz)
        elif "DURATION" in event:
            departure = _as_date(event.decoded("DTSTART") + event.decoded("DURATION"), tz)
        else:
            departure = arrival + timedelta(days=1)
        if departure <= arrival:
            departure = arrival + timedelta(days=1)
        uid = str(event.get("UID") or f"{arrival:%Y%m%d}-{departure:%Y%m%d}")
        events[uid] = (arrival, departure)
    return events


def _external_ref(feed: IcalImport, uid: str, arrival: date, departure: date) -> str:
    digest = hashlib.sha256(uid.encode()).hexdigest()[:24]
    return f"ical{feed.pk}-{digest}-{arrival:%Y%m%d}-{departure:%Y%m%d}"


def ical_import_run(*, feed: IcalImport) -> dict:
    """Read ``feed`` and bring its room's orders to what it says. Returns the counts
    ``{"booked", "conflicts", "cancelled", "unchanged", "skipped"}``; an unreadable or
    refused feed is recorded on it (``last_error``) and raised."""
    try:
        events = ical_parse(_fetch(feed.url), time_zone=feed.store.time_zone)
    except DomainError as exc:
        IcalImport.objects.filter(pk=feed.pk).update(last_run_at=timezone.now(), last_error=f"{exc.code}: {exc.message}"[:255])
        raise
    store, room = feed.store, feed.room
    today = business_date(store=store)
    counts = {"booked": 0, "conflicts": 0, "cancelled": 0, "unchanged": 0, "skipped": 0}
    for stay in list(feed.stays.all()):
        if events.get(stay.uid) == (stay.arrival, stay.departure):
            continue
        order = Order.objects.filter(store=store, pk=stay.order_id).first()
        if order is not None and order.status in (Order.Status.PENDING_CONFIRMATION, Order.Status.CONFIRMED):
            order_cancel(order=order, actor=None, reason=_("Removed from the iCal calendar."))
            counts["cancelled"] += 1
        stay.delete()
    known = {s.uid for s in feed.stays.all()}
    for uid, (arrival, departure) in sorted(events.items(), key=lambda e: e[1]):
        if uid in known:
            counts["unchanged"] += 1
            continue
        if arrival < today or (departure - arrival).days > 90:
            counts["skipped"] += 1  # begun, past, or longer than a stay may be
            continue
        with transaction.atomic():
            result = order_intake_external(
                store=store, actor=None, channel=feed.channel, external_ref=_external_ref(feed, uid, arrival, departure),
                stay=StayIn(room_type=room.room_type, room=room, arrival=arrival, departure=departure), amount=Decimal(0),
                notes=_("Imported from the iCal calendar of %(channel)s.") % {"channel": feed.channel.name},
            )
            IcalImportedStay.objects.create(feed=feed, uid=uid[:255], order_id=result.order.pk, arrival=arrival, departure=departure)
        counts["conflicts" if result.outcome == "conflict" else "booked"] += 1
    IcalImport.objects.filter(pk=feed.pk).update(last_run_at=timezone.now(), last_error="")
    logger.info("ical.imported", extra={"feed_id": feed.pk, "store_id": store.pk, **counts})
    return counts
