"""Validate request data with a DRF input serializer, its fields bound once per thread.

``Serializer(data=...)`` deep-copies every declared field (DRF re-runs each field's
``__init__``) before it validates; for a booking's ``OrderCreateInSerializer`` (its
booker, guests and extras nested) that was ~7 % of the request's CPU in the app server
(py-spy --gil under bench/booking_soak.py, 2026-11-22). ``validated`` gives a new
serializer the bound fields of a template made once per (class, partial, language) in
each thread.

Why that is the same validation: DRF's fields keep no state between calls of
``run_validation`` (what they read of their parents is the root's ``partial`` and
``context``, the same in the template: no context is given here), except the messages
of their limits (``min_value``, ``max_length``...): DRF formats those lazily but keeps
the text of the first one raised, so a template serves one language only; the root
serializer, which does keep state (``initial_data``, ``_validated_data``, ``_errors``),
is new for every call. One thread validates one request at a time, so no template is
shared by two calls at once. ``apps/common/tests/test_validate.py`` compares the outcome with DRF's,
valid and invalid, in both languages.
"""
from __future__ import annotations

import threading
from typing import Any

from django.utils import translation
from rest_framework import serializers

_local = threading.local()


def validated(serializer_class: type[serializers.Serializer], data: Any, *, partial: bool = False) -> Any:
    """``serializer_class(data=data, partial=partial)``'s ``validated_data``, or the
    ``ValidationError`` ``is_valid(raise_exception=True)`` raises."""
    templates = getattr(_local, "templates", None)
    if templates is None:
        templates = _local.templates = {}
    key = (serializer_class, partial, translation.get_language())
    template = templates.get(key)
    if template is None:
        template = serializer_class(partial=partial)
        template.fields  # noqa: B018 - deep-copied and bound here, once
        templates[key] = template
    serializer = serializer_class(data=data, partial=partial)
    serializer.__dict__["fields"] = template.fields  # ``fields`` is a cached_property
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
