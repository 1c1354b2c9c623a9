"""The demo data is valid: every order went through the services, inventory agrees."""
from apps.orders import demo, selectors
from apps.orders.models import Channel, Order
from apps.orders.tests.test_inventory import assert_inventory_consistent
from apps.rooms import demo as rooms_demo


def test_demo_seed_after_rooms(store, today):
    rooms_demo.seed(store=store)
    demo.seed(store=store)
    demo.seed(store=store)  # idempotent
    assert set(Channel.objects.filter(store=store).values_list("code", flat=True)) == {
        "direct", "walk_in", "phone", "ctrip", "meituan", "fliggy", "mall"}
    assert sorted(Order.objects.filter(store=store).values_list("status", flat=True)) == sorted(
        ["checked_in", "checked_in", "checked_in", "confirmed", "confirmed", "confirmed", "confirmed",
         "pending_confirmation", "cancelled"])
    lists = selectors.today_lists(store=store, day=today)
    assert lists["counts"] == {"arrivals": 2, "in_house": 3, "departures": 1}
    assert_inventory_consistent(store)


def test_demo_without_rooms_creates_only_channels(store):
    demo.seed(store=store)
    assert Order.objects.filter(store=store).count() == 0
    assert Channel.objects.filter(store=store).count() == 7
