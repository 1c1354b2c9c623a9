"""The audit's set-based posting writes exactly the row folios' own service writes."""
from __future__ import annotations

from datetime import timedelta

import pytest

from apps.folios.models import Folio, FolioEvent, FolioTransaction
from apps.folios.services import folio_post_room_night, folio_post_room_nights
from apps.orders.tests.factories import stay
from apps.tenancy.business_day import store_local_date
from tests.fixtures import set_business_date


@pytest.fixture
def day(store):
    """Business day D: the store's local yesterday, open."""
    d = store_local_date(store=store) - timedelta(days=1)
    set_business_date(store, d)
    return d

COMPARED = [
    "store_id", "currency", "transaction_type", "posts_to", "charge_type", "amount", "quantity", "unit_price",
    "description", "service_date", "payment_method_id", "gateway_txn_id", "extra_item_id", "reverses_id",
    "transfer_of_id", "reason", "actor_id", "business_date",
]


def test_same_row_as_folio_post_room_night(store, rt, day):
    a = stay(store, rt, 0, arrival=day, prices=["321.00", "300.00"])
    b = stay(store, rt, 1, arrival=day, prices=["321.00", "300.00"])

    theirs = folio_post_room_night(order=a, night=day)
    result = folio_post_room_nights(store_id=store.pk, night=day, order_ids=[b.pk])

    ours = FolioTransaction.objects.get(pk=result.posted[0][1])
    assert {f: getattr(ours, f) for f in COMPARED} == {f: getattr(theirs, f) for f in COMPARED}
    assert ours.order_item.order_id == b.pk and theirs.order_item.order_id == a.pk
    for order in (a, b):
        folio = Folio.objects.get(order=order, is_primary=True)
        assert folio.total_charges == folio.balance == ours.amount
        assert list(FolioEvent.objects.filter(folio=folio).values_list("kind", "data")) == [("opened", {"primary": True})]


def test_twice_posts_once(store, rt, day):
    a = stay(store, rt, 0, arrival=day)
    first = folio_post_room_nights(store_id=store.pk, night=day, order_ids=[a.pk])
    second = folio_post_room_nights(store_id=store.pk, night=day, order_ids=[a.pk])
    assert len(first.posted) == 1 and second.posted == [] and second.already_posted == [a.pk]
    assert second.folios_opened == 0
    assert FolioTransaction.objects.filter(folio__order=a).count() == 1
    assert folio_post_room_nights(store_id=store.pk, night=day + timedelta(days=1), order_ids=[a.pk]).posted
