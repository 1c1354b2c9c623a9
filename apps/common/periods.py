"""Periods of nights per store, the unit of the set-based figures every app offers reports.

A ``StorePeriod`` is the nights ``first`` to ``last`` (both included) of one store; the
figures selectors (``apps/<app>/figures.py``) take several at once and answer in one
statement whatever their number, keyed by store and night.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple


class StorePeriod(NamedTuple):
    store_id: int
    first: date
    last: date


def unnest_params(periods: Sequence[StorePeriod]) -> dict[str, list]:
    """The periods as three parallel arrays, for ``unnest(%(stores)s::bigint[],
    %(firsts)s::date[], %(lasts)s::date[])`` in a figures statement."""
    return {
        "stores": [p.store_id for p in periods],
        "firsts": [p.first for p in periods],
        "lasts": [p.last for p in periods],
    }
