"""Factories for orders. Orders are made through the services, so their inventory is
always consistent with their state (a factory that inserted rows would hold nothing)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory

from apps.orders import services
from apps.orders.models import Channel, Order
from apps.rooms.tests.factories import RoomFactory, RoomTypeFactory
from apps.tenancy.business_day import business_date

Status = Order.Status


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    code = factory.Sequence(lambda n: f"ch{n}")
    name = factory.Sequence(lambda n: f"Channel {n}")
    channel_type = Channel.Type.DIRECT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A store starts with the default channels (store_create): asking for one of their
        # codes gives that channel, as the test describes it.
        store, code = kwargs.pop("store"), kwargs.pop("code")
        channel, _created = model_class.objects.update_or_create(store=store, code=code, defaults=kwargs)
        return channel


def room_type_with_rooms(store, n: int = 2, *, price: str = "300.00", capacity: int = 2, name: str | None = None):
    """A room type of ``store`` with ``n`` rooms; returns (room_type, [rooms])."""
    extra = {"name": name} if name else {}
    room_type = RoomTypeFactory(store=store, default_price=Decimal(price), capacity=capacity, **extra)
    return room_type, [RoomFactory(room_type=room_type) for _ in range(n)]


STAY_FIELDS = ("room_type", "room", "arrival", "departure", "nightly_prices")
PARTY_FIELDS = ("adults", "children", "booker", "guests", "estimated_arrival_time")


def booking(**kwargs) -> dict:
    """``order_create``'s arguments from flat ones: the stay's and the party's fields
    grouped into ``stay`` / ``party``, the rest passed on (tests read better flat)."""
    stay = services.StayIn(**{k: kwargs.pop(k) for k in STAY_FIELDS if k in kwargs})
    party = {k: kwargs.pop(k) for k in PARTY_FIELDS if k in kwargs}
    if "guests" in party:
        party["guests"] = tuple(party["guests"])
        # one guest named per person: as many adults as guests unless the test says
        party.setdefault("adults", max(1, len(party["guests"]) - party.get("children", 0)))
    return {"stay": stay, "party": services.PartyIn(**party), **kwargs}


def make_order(
    store,
    *,
    room_type,
    room=None,
    arrival: date | None = None,
    nights: int = 2,
    status: str = Status.CONFIRMED,
    actor=None,
    channel=None,
    **kwargs,
) -> Order:
    """An order of ``store`` driven through the services to ``status``.

    Checked-in states need ``arrival`` <= today (the default is today for them, else
    tomorrow) and a room (the type's first free one is picked by the caller)."""
    today = business_date(store=store)
    if arrival is None:
        arrival = today if status in (Status.CHECKED_IN, Status.EXTENDED, Status.CHECKED_OUT, Status.NO_SHOW) else today + timedelta(days=1)
    if channel is None:
        channel = Channel.objects.filter(store=store, code="direct").first() or ChannelFactory(store=store, code="direct", name="Direct")
    order = services.order_create(store=store, actor=actor, channel=channel, **booking(
        room_type=room_type, room=room, arrival=arrival, departure=arrival + timedelta(days=nights), **kwargs))
    if status == Status.PENDING_CONFIRMATION:
        return order
    if status == Status.CANCELLED:
        return services.order_cancel(order=order, actor=actor, reason="test")
    order = services.order_confirm(order=order, actor=actor)
    if status == Status.CONFIRMED:
        return order
    if status == Status.NO_SHOW:
        return services.order_mark_no_show(order=order, actor=actor)
    order = services.order_check_in(order=order, actor=actor)
    if status == Status.CHECKED_IN:
        return order
    if status == Status.EXTENDED:
        return services.order_extend(order=order, actor=actor, departure=order.departure + timedelta(days=1))
    if status == Status.CHECKED_OUT:
        return services.order_check_out(order=order, actor=actor)
    raise ValueError(status)


def stay(store, rt, room_index: int | None, *, arrival, nights: int = 2, status=Status.CHECKED_IN,
         prices: list[str] | None = None, **kw) -> Order:
    """An order in ``rt.rooms_list[room_index]`` (None: type level) driven to ``status``."""
    extra = {}
    if prices is not None:
        extra["nightly_prices"] = {arrival + timedelta(days=i): Decimal(p) for i, p in enumerate(prices)}
    room = rt.rooms_list[room_index] if room_index is not None else None
    return make_order(store, room_type=rt, room=room, arrival=arrival, nights=nights, status=status,
                      allow_past_arrival=True, **extra, **kw)
