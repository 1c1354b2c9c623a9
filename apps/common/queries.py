"""Small helpers for querysets."""
from __future__ import annotations

from typing import TypeVar

from django.db.models import QuerySet

T = TypeVar("T")


def one_or_none(queryset: QuerySet[T]) -> T | None:
    """The row of a query that matches at most one (filtered on a primary or unique key),
    or None. ``QuerySet.get()`` without ``first()``'s ``ORDER BY``: compiling the model's
    default ordering was a fifth of a booking's CPU in the app server (py-spy, bench/booking_soak.py)."""
    try:
        return queryset.get()
    except queryset.model.DoesNotExist:
        return None
