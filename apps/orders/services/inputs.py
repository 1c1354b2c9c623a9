"""What a booking is given, grouped: the stay (``StayIn``), who stays (``PartyIn``, with
``PersonIn`` for the booker and each guest) and the extras (``ExtraIn``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from apps.rooms.models import Room, RoomType


@dataclass(frozen=True)
class PersonIn:
    """A booker or guest as given with a booking; becomes (or finds) a contact.

    ``existing_contact_id``: the clerk's choice when the document typed is on file for a
    guest of another name (``document_belongs_to_other_contact``): use that guest."""

    full_name: str
    phone: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    is_primary: bool = False
    existing_contact_id: int | None = None


@dataclass(frozen=True)
class StayIn:
    """What is booked: ``room_type`` (and ``room``, once chosen) for the nights from
    ``arrival`` to ``departure`` (exclusive). ``nightly_prices`` overrides the pricing
    rules' price of each night (e.g. the amount an OTA sold)."""

    room_type: RoomType
    arrival: date
    departure: date
    room: Room | None = None
    nightly_prices: dict[date, Decimal] | None = None


@dataclass(frozen=True)
class PartyIn:
    """Who stays: how many, who booked, the guests (the first is primary unless one says
    so) and when they expect to arrive."""

    adults: int = 1
    children: int = 0
    booker: PersonIn | None = None
    guests: tuple[PersonIn, ...] = ()
    estimated_arrival_time: time | None = None


@dataclass(frozen=True)
class ExtraIn:
    description: str
    unit_price: Decimal
    quantity: int = 1
    service_date: date | None = None
