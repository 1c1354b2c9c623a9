"""Inside a request the reference versions are read once (``ReferenceCacheMiddleware``);
a save through a model behind the cache makes the request read them again
(``apps.tenancy.reference_cache.forget_on_change``, wired by each owning app), so a
request never shows what it has just changed as it was. Across apps (orders' channels,
rooms' catalog), hence here rather than in one app's tests."""
from apps.orders.models import Channel
from apps.orders.selectors import channel_of_type
from apps.rooms.models import Room, RoomType
from apps.rooms.selectors import room_get_with_type, room_type_get
from apps.rooms.tests.factories import RoomFactory, RoomTypeFactory
from apps.tenancy.reference_cache import ReferenceCacheMiddleware, cache_clear


def in_a_request(fn):
    ReferenceCacheMiddleware(lambda _request: fn())(None)


def test_a_request_sees_its_own_saves(store, direct):
    rt = RoomTypeFactory(store=store, name="大床房")
    cache_clear()
    seen = []

    def names():
        return channel_of_type(store=store, channel_type="direct").name, room_type_get(store=store, room_type_id=rt.pk).name

    def request():
        seen.append(names())
        channel = Channel.objects.get(pk=direct.pk)
        channel.name = "直订"
        channel.save()
        room_type = RoomType.objects.get(pk=rt.pk)
        room_type.name = "豪华大床房"
        room_type.save()
        seen.append(names())

    in_a_request(request)
    assert seen == [("Direct", "大床房"), ("直订", "豪华大床房")]


def test_a_housekeeping_save_keeps_the_catalog_a_renumbering_does_not(store):
    room = RoomFactory(room_type=RoomTypeFactory(store=store), number="101")
    cache_clear()
    seen = []

    def request():
        seen.append(room_get_with_type(store=store, room_id=room.pk).number)
        Room.objects.filter(pk=room.pk).update(number="109")  # no signal: the request keeps its catalog
        fresh = Room.objects.get(pk=room.pk)
        fresh.housekeeping = "dirty"
        fresh.save(update_fields=["housekeeping"])  # bookkeeping: forgets nothing
        seen.append(room_get_with_type(store=store, room_id=room.pk).number)
        fresh.number = "108"
        fresh.save(update_fields=["number"])
        seen.append(room_get_with_type(store=store, room_id=room.pk).number)

    in_a_request(request)
    assert seen == ["101", "101", "108"]
