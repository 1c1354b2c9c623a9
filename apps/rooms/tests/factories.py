from decimal import Decimal

import factory

from apps.rooms.models import Room, RoomType


class RoomTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoomType

    name = factory.Sequence(lambda n: f"Type {n}")
    default_price = Decimal("300.00")
    capacity = 2


class RoomFactory(factory.django.DjangoModelFactory):
    """Pass ``room_type``; the room's store is the type's store."""

    class Meta:
        model = Room

    room_type = factory.SubFactory(RoomTypeFactory)
    store = factory.LazyAttribute(lambda o: o.room_type.store)
    number = factory.Sequence(lambda n: f"{100 + n}")
