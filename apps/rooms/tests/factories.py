from decimal import Decimal

import factory

from apps.rooms.models import PricingRule, Room, RoomLock, RoomType


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


class PricingRuleFactory(factory.django.DjangoModelFactory):
    """Pass ``room_type``; the rule's store is the type's store. Default: every night, +0 %."""

    class Meta:
        model = PricingRule

    room_type = factory.SubFactory(RoomTypeFactory)
    store = factory.LazyAttribute(lambda o: o.room_type.store)
    name = factory.Sequence(lambda n: f"Rule {n}")
    adjustment_type = PricingRule.AdjustmentType.PERCENT
    adjustment_value = Decimal("0")
    priority = 0


class RoomLockFactory(factory.django.DjangoModelFactory):
    """A lock row only (no inventory): for selectors and admin tests. Services hold the nights."""

    class Meta:
        model = RoomLock

    room = factory.SubFactory(RoomFactory)
    store = factory.LazyAttribute(lambda o: o.room.store)
    lock_type = RoomLock.LockType.MAINTENANCE
