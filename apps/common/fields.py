"""Serializer fields shared by the apps' APIs, with the OpenAPI schema they document."""
from __future__ import annotations

import json
import math
import re
from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

WALL_CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


@extend_schema_field({
    "type": "string", "pattern": WALL_CLOCK_PATTERN, "example": "15:00",
    "description": "Local wall-clock time at the store, `HH:MM` (24-hour, no seconds, no offset). "
    "Input also accepts `HH:MM:SS`; seconds are dropped.",
})
class WallClockTimeField(serializers.TimeField):
    """A time of day as the front desk reads it at the store: ``"15:00"``.

    Not OpenAPI's ``format: time`` (RFC 3339 ``full-time``, which demands seconds and an
    offset that a time of day at the store does not have)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        return super().to_internal_value(value).replace(second=0, microsecond=0)


JSON_OBJECT_MAX_DEPTH = 8
JSON_OBJECT_MAX_CHARS = 4096
_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")


@extend_schema_field({
    "type": "object", "additionalProperties": True, "example": {"merchant_id": "1900000109"},
    "description": f"A JSON object of at most {JSON_OBJECT_MAX_CHARS} characters as JSON, nested at most "
    f"{JSON_OBJECT_MAX_DEPTH} levels. A number with a fraction or an exponent must be within a double's range "
    "(`1e400` is refused); keys and strings must not contain NUL (U+0000) or unpaired surrogates.",
})
class JSONObjectField(serializers.DictField):
    """A JSON object for a ``jsonb`` column: refuses, as field errors (400 ``invalid``), what
    PostgreSQL cannot store and would otherwise fail on as a server error.

    Python's JSON parser turns a number too large for a double (``1e400``) into infinity,
    which Django writes as ``Infinity`` (not JSON); jsonb has no text for ``\\u0000`` and
    no unpaired surrogates. Depth and size are bounded so the walk below and the encoder
    stay cheap."""

    default_error_messages = {
        "not_finite": _("A number is too large to store."),
        "null_character": _("Null characters (U+0000) are not allowed."),
        "surrogate": _("Unpaired surrogate characters are not allowed."),
        "too_deep": _("Nest objects and lists at most {max_depth} levels deep."),
        "too_long": _("At most {max_chars} characters as JSON."),
    }

    def __init__(self, *, max_depth: int = JSON_OBJECT_MAX_DEPTH, max_chars: int = JSON_OBJECT_MAX_CHARS, **kwargs):
        self.max_depth = max_depth
        self.max_chars = max_chars
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        self._check_storable(value)
        # the walk above bounded the depth, so encoding cannot recurse too deep
        if len(json.dumps(value, ensure_ascii=False)) > self.max_chars:
            self.fail("too_long", max_chars=self.max_chars)
        return value

    def _check_storable(self, value) -> None:
        stack = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            if isinstance(item, dict):
                if depth > self.max_depth:
                    self.fail("too_deep", max_depth=self.max_depth)
                for key, child in item.items():
                    self._check_text(key)
                    stack.append((child, depth + 1))
            elif isinstance(item, list):
                if depth > self.max_depth:
                    self.fail("too_deep", max_depth=self.max_depth)
                stack.extend((child, depth + 1) for child in item)
            elif isinstance(item, str):
                self._check_text(item)
            elif isinstance(item, float) and not math.isfinite(item):
                self.fail("not_finite")

    def _check_text(self, text: str) -> None:
        if _NUL in text:
            self.fail("null_character")
        if _SURROGATE.search(text):
            self.fail("surrogate")


FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(9998, 12, 31)


# What the request schema says of such a date (``format: date`` cannot bound the year):
# years 1900 to 9998
CALENDAR_DATE_PATTERN = r"^(?:19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"


class CalendarDateField(serializers.DateField):
    """A date the PMS can compute with: from 1900-01-01 to 9998-12-31.

    Python's dates end at 9999-12-31: a grid, a stay or an overview that starts near it
    overflows at the next day (``OverflowError``, a 500). Dates past the last one are
    refused as invalid (400) like any other bad value; the booking horizon
    (``booking.horizon_days``) is the narrower limit for new stays."""

    default_error_messages = {"out_of_range": _("Give a date from {first} to {last}.")}

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not FIRST_DATE <= result <= LAST_DATE:
            self.fail("out_of_range", first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat())
        return result


class CommaSeparatedChoiceField(serializers.CharField):
    """A query parameter listing known values, comma-separated (``?status=pending,confirmed``):
    the list of values, each stripped of spaces around it.

    The schema says exactly what is taken (``AutoSchema`` documents the ``pattern``): one
    known value or several, a comma between two, spaces around each allowed; no empty item
    (``a,,b``, a trailing comma), no other whitespace. An empty item is refused here (DRF's
    ``invalid_choice``); an unknown value is left to the serializer's ``validate_<field>``,
    which names it in its own message."""

    default_error_messages = {"invalid_choice": serializers.ChoiceField.default_error_messages["invalid_choice"]}

    def __init__(self, *, choices, **kwargs):
        self.choices = tuple(choices)
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)

    def pattern(self) -> str:
        one = "(?:" + "|".join(re.escape(choice) for choice in self.choices) + ")"
        return rf"^ *{one} *(?:, *{one} *)*$"

    def to_internal_value(self, data):
        items = [item.strip(" ") for item in super().to_internal_value(data).split(",")]
        for item in items:
            if not item:
                self.fail("invalid_choice", input=item)
        return items
