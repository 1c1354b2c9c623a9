"""JSON bodies of the owner app's answers, built directly from the selectors' dicts.

The serializers in ``serializers.py`` describe these bodies in the schema; rendering
through them costs a DRF field call per value (a room status of 30 rooms is ~3,500
calls, more CPU than the grid's SQL on these machines). These functions produce exactly
what the serializers would (same formats: ISO dates, datetimes in the current time zone
as DRF writes them, money as strings with two places, ratios with four);
``tests/test_render.py`` checks that they agree on real data.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_EVEN, Decimal

from django.utils import timezone

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")


def d(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def dt(value: datetime | None) -> str | None:
    """As DRF's ``DateTimeField`` (ISO 8601, ``DATETIME_FORMAT = "iso-8601"``) writes it."""
    if not value:
        return None
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def t(value: time | None) -> str | None:
    """As ``apps.common.fields.WallClockTimeField`` writes it: ``HH:MM``, store-local."""
    return None if value is None else value.strftime("%H:%M")


# str() of a Decimal quantized to a negative exponent is its plain notation (it turns
# scientific only for a positive exponent or below 1e-6), as format(..., "f") is, at half
# the cost: the 16-store overview formats ~1,400 amounts.
def money(value) -> str | None:
    if value is None:
        return None
    return str((value if type(value) is Decimal else Decimal(value)).quantize(CENT, rounding=ROUND_HALF_EVEN))


def ratio(value) -> str | None:
    if value is None:
        return None
    return str((value if type(value) is Decimal else Decimal(value)).quantize(RATIO, rounding=ROUND_HALF_EVEN))


# --- room status, today, desk actions -----------------------------------------------------


def room_status(data: dict) -> dict:
    return {
        "start": d(data["start"]),
        "end": d(data["end"]),
        "dates": [d(x) for x in data["dates"]],
        "room_types": [{"id": rt["id"], "name": rt["name"], "free": list(rt["free"])} for rt in data["room_types"]],
        "rooms": [
            {
                "id": r["id"], "number": r["number"], "floor": r["floor"], "room_type_id": r["room_type_id"],
                "housekeeping": r["housekeeping"], "states": r["states"],
                "stays": [
                    {"order_id": s["order_id"], "status": s["status"], "guest_name": s["guest_name"],
                     "arrival": d(s["arrival"]), "departure": d(s["departure"])}
                    for s in r["stays"]
                ],
                "locks": [
                    {"lock_id": lk["lock_id"], "lock_type": lk["lock_type"], "start": d(lk["start"]), "end": d(lk["end"])}
                    for lk in r["locks"]
                ],
            }
            for r in data["rooms"]
        ],
        "first_night": dict(data["first_night"]),
        "housekeeping": dict(data["housekeeping"]),
    }


def _today_row(row: dict) -> dict:
    out = {
        "id": row["id"], "code": row["code"], "status": row["status"], "guest_name": row["guest_name"],
        "room_id": row["room_id"], "room_number": row["room_number"], "room_type_name": row["room_type_name"],
        "arrival": d(row["arrival"]), "departure": d(row["departure"]), "adults": row["adults"], "children": row["children"],
        "estimated_arrival_time": t(row["estimated_arrival_time"]), "channel": row["channel"],
        "due_amount": money(row["due_amount"]),
    }
    if "overdue" in row:
        out["overdue"] = row["overdue"]
    return out


def today(data: dict) -> dict:
    return {
        "date": d(data["date"]),
        "counts": dict(data["counts"]),
        "arrivals": [_today_row(r) for r in data["arrivals"]],
        "in_house": [_today_row(r) for r in data["in_house"]],
        "departures": [_today_row(r) for r in data["departures"]],
    }


def order(o) -> dict:
    """The order card (``MobileOrderSerializer``) of an ``Order`` with room and room type loaded."""
    return {
        "id": o.pk, "code": o.code, "status": o.status, "guest_name": o.primary_contact_name,
        "room_id": o.room_id, "room_number": o.room.number if o.room_id else None,
        "room_type_id": o.room_type_id, "room_type_name": o.room_type.name,
        "arrival": d(o.arrival), "departure": d(o.departure), "nights": o.nights, "currency": o.currency,
        "total_amount": money(o.total_amount), "paid_amount": money(o.paid_amount), "due_amount": money(o.due_amount),
        "version": o.version, "checked_in_at": dt(o.checked_in_at), "checked_out_at": dt(o.checked_out_at),
    }


def room(r, allowed_next: list[str]) -> dict:
    return {
        "id": r.pk, "number": r.number, "room_type_id": r.room_type_id, "housekeeping": r.housekeeping,
        "housekeeping_at": dt(r.housekeeping_at), "allowed_next": list(allowed_next),
    }


# --- reminders, overview ----------------------------------------------------------------------


def reminders(data: dict) -> dict:
    return {
        "events": [
            {
                **{k: e[k] for k in ("id", "kind", "kind_label")},
                "at": dt(e["at"]),
                **{k: e[k] for k in ("store_id", "store_name", "from_status", "to_status", "actor_name", "summary")},
                "order": {**e["order"], "arrival": d(e["order"]["arrival"]), "departure": d(e["order"]["departure"])},
            }
            for e in data["events"]
        ],
        "next_cursor": data["next_cursor"],
        "has_more": data["has_more"],
    }


_MONEY_KEYS = ("payments", "refunds", "deposits", "deposit_returns", "net")


def _collections(c: dict) -> dict:
    return {
        "total": {k: money(c["total"][k]) for k in _MONEY_KEYS},
        "by_method": [
            {"method_id": m["method_id"], "name": m["name"], "method_type": m["method_type"], **{k: money(m[k]) for k in _MONEY_KEYS}}
            for m in c["by_method"]
        ],
    }


def _period(p: dict) -> dict:
    return {
        "start": d(p["start"]), "end": d(p["end"]), "rooms_available": p["rooms_available"], "rooms_sold": p["rooms_sold"],
        "room_revenue": money(p["room_revenue"]), "occupancy": ratio(p["occupancy"]), "adr": money(p["adr"]),
        "revpar": money(p["revpar"]), "arrivals": p["arrivals"], "arrivals_checked_in": p["arrivals_checked_in"],
        "departures": p["departures"], "departures_checked_out": p["departures_checked_out"],
        "audited_nights": p["audited_nights"], "collections": _collections(p["collections"]),
    }


def overview(data: dict) -> dict:
    total = data["total"]
    return {
        "total": {"date": d(total["date"]), "currency": total["currency"], "store_count": total["store_count"],
                  "today": _period(total["today"]), "month_to_date": _period(total["month_to_date"])},
        "stores": [
            {"store_id": s["store_id"], "store_name": s["store_name"], "currency": s["currency"], "date": d(s["date"]),
             "today": _period(s["today"]), "month_to_date": _period(s["month_to_date"])}
            for s in data["stores"]
        ],
    }
