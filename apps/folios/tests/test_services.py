"""Postings of each kind, voids, moves, the refund limit, room nights and the check-out rule,
through the services against the real database (trigger-maintained totals included)."""
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.common.errors import DomainError, DomainValidationError
from apps.folios import selectors, services
from apps.folios.models import Folio, FolioEvent, FolioTransaction
from apps.folios.tests.factories import ExtraChargeItemFactory, charge, pay, post_nights
from apps.orders.models import Order, OrderItem
from apps.orders.tests.factories import make_order
from apps.tenancy.scope import ManagerOnly

D = Decimal
T = FolioTransaction.Type
S = Folio.Status


def totals(folio) -> dict:
    folio.refresh_from_db()
    folio.order.refresh_from_db()
    return {
        "charges": folio.total_charges, "discounts": folio.total_discounts, "payments": folio.total_payments,
        "refunds": folio.total_refunds, "deposits": folio.total_deposits, "deposit_returns": folio.total_deposit_returns,
        "balance": folio.balance, "status": folio.status,
    }


def money(order) -> tuple[Decimal, Decimal, Decimal]:
    order.refresh_from_db()
    return order.total_amount, order.paid_amount, order.due_amount


def zero(**values) -> dict:
    base = {k: D("0.00") for k in ["charges", "discounts", "payments", "refunds", "deposits", "deposit_returns", "balance"]}
    base["status"] = S.OPEN
    base.update({k: (D(v) if k != "status" else v) for k, v in values.items()})
    return base


# --- folios ------------------------------------------------------------------------------------


def test_primary_folio_is_opened_once_per_order(order, clerk):
    first = services.folio_primary_for_order(order=order, actor=clerk)
    again = services.folio_primary_for_order(order=order, actor=clerk)
    assert first.pk == again.pk
    assert (first.is_primary, first.store_id, first.currency, first.closed_at) == (True, order.store_id, "CNY", None)
    assert list(FolioEvent.objects.filter(folio=first).values_list("kind", "actor_id")) == [("opened", clerk.pk)]
    assert totals(first) == zero()


def test_further_folio_on_an_order(order, folio, clerk):
    company = services.folio_open(order=order, actor=clerk, name="Acme Ltd")
    assert (company.is_primary, company.name, company.order_id) == (False, "Acme Ltd", order.pk)
    assert [f.pk for f in selectors.folios_for_order(store=order.store, order_id=order.pk)] == [folio.pk, company.pk]


# --- each kind -----------------------------------------------------------------------------------


def test_manual_charge_posts_to_charges_and_adds_to_what_the_order_owes(order, folio, clerk):
    total_before = order.total_amount
    tx = services.folio_post_charge(folio=folio, actor=clerk, description="Broken glass", unit_price=D("25.5"), quantity=2)
    tx.refresh_from_db()
    assert (tx.transaction_type, tx.posts_to, tx.charge_type, tx.amount, tx.quantity, tx.unit_price, tx.currency,
            tx.store_id, tx.actor_id, tx.description, tx.order_item_id) == (
        "charge", "charges", "manual", D("51.00"), 2, D("25.50"), "CNY", order.store_id, clerk.pk, "Broken glass", None)
    assert totals(folio) == zero(charges="51.00", balance="51.00")
    assert money(order) == (total_before + D("51.00"), D("0.00"), total_before + D("51.00"))
    assert (order.charged_amount, folio.unposted_amount, folio.amount_due) == (D("51.00"), total_before, D("651.00"))


def test_extra_from_the_catalogue_with_quantity_adds_the_order_line(order, folio, clerk, store):
    breakfast = ExtraChargeItemFactory(store=store, name="Breakfast", default_price=D("38.00"))
    tx = services.folio_post_charge(folio=folio, actor=clerk, extra_item=breakfast, quantity=3)
    item = OrderItem.objects.get(pk=tx.order_item_id)
    assert (tx.charge_type, tx.amount, tx.unit_price, tx.quantity, tx.description, tx.extra_item_id) == (
        "extra", D("114.00"), D("38.00"), 3, "Breakfast", breakfast.pk)
    assert (item.order_id, item.kind, item.description, item.quantity, item.unit_price, item.total_price) == (
        order.pk, "extra", "Breakfast", 3, D("38.00"), D("114.00"))
    assert money(order) == (D("714.00"), D("0.00"), D("714.00"))
    assert totals(folio)["charges"] == D("114.00")


def test_inactive_or_foreign_catalogue_items_are_refused(folio, clerk, store, world):
    off = ExtraChargeItemFactory(store=store, is_active=False)
    other = ExtraChargeItemFactory(store=world.alpha.stores["A2"])
    for item, code in ((off, "extra_item_inactive"), (other, "extra_item_unknown")):
        with pytest.raises(DomainValidationError) as err:
            services.folio_post_charge(folio=folio, actor=clerk, extra_item=item)
        assert err.value.code == code
    assert not FolioTransaction.objects.filter(folio=folio).exists()


def test_amounts_are_rounded_in_one_place_and_must_be_positive(folio, clerk, methods):
    tx = services.folio_post_payment(folio=folio, actor=clerk, amount=D("10.005"), payment_method=methods["cash"])
    assert tx.amount == D("10.01")  # half up, apps.common.money.quantize
    for bad, code in ((D("0"), "amount_invalid"), (D("-5"), "amount_invalid"), (D("0.004"), "amount_invalid"),
                      (D("100000000"), "amount_too_large")):
        with pytest.raises(DomainValidationError) as err:
            services.folio_post_payment(folio=folio, actor=clerk, amount=bad, payment_method=methods["cash"])
        assert err.value.code == code
    assert FolioTransaction.objects.filter(folio=folio).count() == 1


def test_payment_moves_the_order_paid_and_due(order, folio, clerk, methods):
    post_nights(order)
    tx = services.folio_post_payment(
        folio=folio, actor=clerk, amount=D("450.00"), payment_method=methods["wechat"], gateway_txn_id="4200001234",
    )
    assert (tx.posts_to, tx.payment_method_id, tx.gateway_txn_id) == ("payments", methods["wechat"].pk, "4200001234")
    assert totals(folio) == zero(charges="600.00", payments="450.00", balance="150.00", status=S.PARTIALLY_PAID)
    assert money(order) == (D("600.00"), D("450.00"), D("150.00"))


def test_payment_method_of_another_store_or_switched_off_is_refused(folio, clerk, world, methods):
    from apps.folios.tests.factories import methods_for

    other = methods_for(world.alpha.stores["A2"])["cash"]
    with pytest.raises(DomainValidationError) as err:
        services.folio_post_payment(folio=folio, actor=clerk, amount=D("1"), payment_method=other)
    assert err.value.code == "payment_method_unknown"
    services.payment_method_update(method=methods["alipay"], is_active=False)
    with pytest.raises(DomainValidationError) as err:
        services.folio_post_payment(folio=folio, actor=clerk, amount=D("1"), payment_method=methods["alipay"])
    assert err.value.code == "payment_method_inactive"
    assert not FolioTransaction.objects.filter(folio=folio).exists()


def test_deposit_is_held_not_paid(order, folio, clerk, methods):
    post_nights(order)
    services.folio_post_deposit(folio=folio, actor=clerk, amount=D("200.00"), payment_method=methods["cash"])
    assert totals(folio) == zero(charges="600.00", deposits="200.00", balance="600.00", status=S.PARTIALLY_PAID)
    assert money(order)[1:] == (D("0.00"), D("600.00"))
    services.folio_post_deposit_return(folio=folio, actor=clerk, amount=D("150.00"), payment_method=methods["cash"])
    with pytest.raises(DomainError) as err:
        services.folio_post_deposit_return(folio=folio, actor=clerk, amount=D("50.01"), payment_method=methods["cash"])
    assert (err.value.code, err.value.extra) == ("deposit_return_exceeds_held", {"deposit_held": "50.00"})
    assert totals(folio)["deposit_returns"] == D("150.00")
    assert FolioTransaction.objects.filter(folio=folio).count() == 4  # the two nights, the deposit, its return


def test_discount_lowers_the_balance_never_below_the_charges(folio, manager):
    charge(folio, "100.00")
    tx = services.folio_post_discount(folio=folio, actor=manager, amount=D("30.00"), reason="Regular guest")
    assert (tx.posts_to, tx.reason, tx.description) == ("discounts", "Regular guest", "Regular guest")
    assert totals(folio) == zero(charges="100.00", discounts="30.00", balance="70.00")
    with pytest.raises(DomainError) as err:
        services.folio_post_discount(folio=folio, actor=manager, amount=D("70.01"), reason="too much")
    assert (err.value.code, err.value.extra) == ("discount_exceeds_charges", {"discountable": "70.00"})
    with pytest.raises(DomainValidationError) as err:
        services.folio_post_discount(folio=folio, actor=manager, amount=D("1.00"), reason="  ")
    assert err.value.code == "reason_required"
    assert FolioTransaction.objects.filter(folio=folio).count() == 2


# --- refunds -------------------------------------------------------------------------------------------


def test_refund_within_what_was_paid(order, folio, clerk, methods):
    pay(folio, "800.00")  # two nights of 300.00 not posted yet
    assert totals(folio)["status"] == S.REFUNDING  # the folio owes the guest 200
    post_nights(order)
    assert totals(folio)["status"] == S.REFUNDING
    tx = services.folio_post_refund(folio=folio, actor=clerk, amount=D("200.00"), payment_method=methods["cash"], reason="Overpaid")
    assert (tx.posts_to, tx.reason) == ("refunds", "Overpaid")
    assert totals(folio) == zero(charges="600.00", payments="800.00", refunds="200.00", status=S.SETTLED)
    assert money(order) == (D("600.00"), D("600.00"), D("0.00"))


def test_refund_cannot_exceed_what_was_paid(order, folio, clerk, methods):
    pay(folio, "100.00")
    services.folio_post_refund(folio=folio, actor=clerk, amount=D("60.00"), payment_method=methods["cash"], reason="r")
    with pytest.raises(DomainError) as err:
        services.folio_post_refund(folio=folio, actor=clerk, amount=D("40.01"), payment_method=methods["cash"], reason="r")
    assert (err.value.code, err.value.extra) == ("refund_exceeds_paid", {"refundable": "40.00"})
    assert FolioTransaction.objects.filter(folio=folio, transaction_type=T.REFUND).count() == 1
    assert money(order)[1] == D("40.00")


def test_refund_limit_is_per_folio(order, folio, clerk, methods):
    pay(folio, "100.00")
    other = services.folio_open(order=order, actor=clerk, name="Second")
    with pytest.raises(DomainError) as err:
        services.folio_post_refund(folio=other, actor=clerk, amount=D("1.00"), payment_method=methods["cash"], reason="r")
    assert err.value.code == "refund_exceeds_paid"


def test_refund_needs_a_reason(folio, clerk, methods):
    pay(folio, "100.00")
    with pytest.raises(DomainValidationError) as err:
        services.folio_post_refund(folio=folio, actor=clerk, amount=D("1.00"), payment_method=methods["cash"], reason="")
    assert err.value.code == "reason_required"


# --- voids ------------------------------------------------------------------------------------------------


def test_void_is_a_reversal_row_with_who_when_why(order, folio, clerk, manager):
    tx = charge(folio, "80.00", actor=clerk)
    reversal = services.folio_transaction_void(tx=tx, actor=manager, reason="Posted to the wrong room")
    reversal.refresh_from_db()
    assert (reversal.transaction_type, reversal.posts_to, reversal.amount, reversal.reverses_id, reversal.actor_id,
            reversal.reason, reversal.charge_type, reversal.description) == (
        "reversal", "charges", D("-80.00"), tx.pk, manager.pk, "Posted to the wrong room", "manual", "Minibar")
    assert reversal.posted_at is not None
    original = FolioTransaction.objects.get(pk=tx.pk)
    assert (original.amount, original.actor_id, original.reason) == (D("80.00"), clerk.pk, "")  # untouched
    assert totals(folio) == zero()
    detail = selectors.folio_get(store=order.store, folio_id=folio.pk)
    assert [(r.pk, getattr(r.taken_back, "pk", None)) for r in detail.ledger] == [(tx.pk, reversal.pk), (reversal.pk, None)]


def test_a_row_is_voided_once_and_a_void_is_never_voided(folio, clerk):
    tx = charge(folio, "80.00")
    reversal = services.folio_transaction_void(tx=tx, actor=clerk, reason="mistake")
    with pytest.raises(DomainError) as err:
        services.folio_transaction_void(tx=tx, actor=clerk, reason="again")
    assert (err.value.code, err.value.extra) == ("already_voided", {"voided_by": reversal.pk})
    with pytest.raises(DomainError) as err:
        services.folio_transaction_void(tx=reversal, actor=clerk, reason="undo the void")
    assert err.value.code == "not_voidable"
    assert FolioTransaction.objects.filter(folio=folio).count() == 2


def test_void_needs_a_reason(folio, clerk):
    tx = charge(folio, "80.00")
    with pytest.raises(DomainValidationError) as err:
        services.folio_transaction_void(tx=tx, actor=clerk, reason=" ")
    assert err.value.code == "reason_required"
    assert not FolioTransaction.objects.filter(reverses=tx).exists()


def test_void_of_a_payment_moves_the_order_paid(order, folio, clerk):
    post_nights(order)
    payment = pay(folio, "600.00")
    assert totals(folio)["status"] == S.SETTLED
    services.folio_transaction_void(tx=payment, actor=clerk, reason="Card declined")
    assert totals(folio) == zero(charges="600.00", balance="600.00")
    assert money(order)[1:] == (D("0.00"), D("600.00"))


def test_void_of_a_refunded_payment_is_refused(folio, clerk, methods):
    payment = pay(folio, "100.00")
    services.folio_post_refund(folio=folio, actor=clerk, amount=D("30.00"), payment_method=methods["cash"], reason="r")
    with pytest.raises(DomainError) as err:
        services.folio_transaction_void(tx=payment, actor=clerk, reason="x")
    assert (err.value.code, err.value.extra) == ("payment_already_refunded", {"refunds": "30.00"})
    assert not FolioTransaction.objects.filter(reverses=payment).exists()


def test_void_of_an_extra_drops_the_order_line(order, folio, clerk, store):
    tx = services.folio_post_charge(folio=folio, actor=clerk, extra_item=ExtraChargeItemFactory(store=store), quantity=2)
    assert money(order)[0] == D("676.00")
    services.folio_transaction_void(tx=tx, actor=clerk, reason="Not taken")
    assert not OrderItem.objects.filter(pk=tx.order_item_id).exists()
    assert money(order) == (D("600.00"), D("0.00"), D("600.00"))
    assert list(order.events.values_list("kind", flat=True))[-2:] == ["item_added", "item_removed"]


# --- moves ----------------------------------------------------------------------------------------------------


@pytest.fixture
def other_order(store, rt):
    return make_order(store, room_type=rt, room=rt.rooms_list[1], status=Order.Status.CHECKED_IN)


def test_move_is_a_recorded_transfer_pair(order, folio, other_order, clerk):
    target = services.folio_primary_for_order(order=other_order)
    tx = charge(folio, "45.00", description="Dinner")
    moved = services.folio_transaction_move(tx=tx, target=target, actor=clerk, reason="Guest in 102 pays")
    out, into = moved.transfer_out, moved.transfer_in
    assert (out.folio_id, out.transaction_type, out.amount, out.reverses_id, out.reason, out.actor_id, out.posts_to) == (
        folio.pk, "transfer_out", D("-45.00"), tx.pk, "Guest in 102 pays", clerk.pk, "charges")
    assert (into.folio_id, into.transaction_type, into.amount, into.transfer_of_id, into.description, into.posts_to) == (
        target.pk, "transfer_in", D("45.00"), tx.pk, "Dinner", "charges")
    assert totals(folio) == zero()
    assert totals(target) == zero(charges="45.00", balance="45.00")


def test_moving_a_payment_to_another_order_keeps_both_orders_paid_in_step(order, folio, other_order, clerk):
    target = services.folio_primary_for_order(order=other_order)
    payment = pay(folio, "250.00")
    services.folio_transaction_move(tx=payment, target=target, actor=clerk, reason="Paid for the wrong room")
    assert money(order)[1:] == (D("0.00"), D("600.00"))
    assert money(other_order)[1:] == (D("250.00"), D("350.00"))
    assert selectors.folio_reconcile(store=order.store)["diff"] == D("0.00")


def test_a_row_moves_once_and_a_voided_row_never(folio, order, clerk):
    company = services.folio_open(order=order, actor=clerk, name="Company")
    tx = charge(folio, "45.00")
    moved = services.folio_transaction_move(tx=tx, target=company, actor=clerk, reason="to company")
    with pytest.raises(DomainError) as err:
        services.folio_transaction_move(tx=tx, target=company, actor=clerk, reason="again")
    assert (err.value.code, err.value.extra) == ("already_moved", {"moved_by": moved.transfer_out.pk})
    with pytest.raises(DomainError) as err:
        services.folio_transaction_void(tx=tx, actor=clerk, reason="void the moved original")
    assert err.value.code == "already_moved"
    with pytest.raises(DomainError) as err:
        services.folio_transaction_move(tx=moved.transfer_out, target=company, actor=clerk, reason="x")
    assert err.value.code == "not_movable"
    voided = charge(folio, "10.00")
    services.folio_transaction_void(tx=voided, actor=clerk, reason="mistake")
    with pytest.raises(DomainError) as err:
        services.folio_transaction_move(tx=voided, target=company, actor=clerk, reason="x")
    assert err.value.code == "already_voided"
    # the moved row is voided (or moved on) as its transfer_in
    services.folio_transaction_void(tx=moved.transfer_in, actor=clerk, reason="company refuses")
    assert totals(company) == zero()
    assert totals(folio) == zero()


def test_move_to_the_same_folio_or_a_refund_onto_an_unpaid_folio_is_refused(folio, order, clerk, methods):
    company = services.folio_open(order=order, actor=clerk, name="Company")
    tx = charge(folio, "45.00")
    with pytest.raises(DomainValidationError) as err:
        services.folio_transaction_move(tx=tx, target=folio, actor=clerk, reason="x")
    assert err.value.code == "move_target_invalid"
    pay(folio, "50.00")
    refund = services.folio_post_refund(folio=folio, actor=clerk, amount=D("5.00"), payment_method=methods["cash"], reason="r")
    with pytest.raises(DomainError) as err:
        services.folio_transaction_move(tx=refund, target=company, actor=clerk, reason="x")
    assert err.value.code == "refund_exceeds_paid"
    assert not FolioTransaction.objects.filter(transaction_type__in=[T.TRANSFER_IN, T.TRANSFER_OUT]).exists()


# --- room nights (for the night audit) -----------------------------------------------------------------------------


def test_room_night_is_posted_once_per_night_even_after_a_void(order, today, clerk):
    first = services.folio_post_room_night(order=order, night=today)
    assert (first.charge_type, first.service_date, first.amount, first.unit_price, first.actor_id) == (
        "room_night", today, D("300.00"), D("300.00"), None)
    assert first.order_item_id == OrderItem.objects.get(order=order, kind="room_night", service_date=today).pk
    assert services.folio_post_room_night(order=order, night=today) is None
    services.folio_transaction_void(tx=first, actor=clerk, reason="Comped night")
    assert services.folio_post_room_night(order=order, night=today) is None  # a voided night stays voided
    folio = services.folio_primary_for_order(order=order)
    assert totals(folio)["charges"] == D("0.00")
    assert FolioTransaction.objects.filter(folio=folio, charge_type="room_night").count() == 2


def test_room_night_outside_the_stay_is_refused(order, today):
    with pytest.raises(DomainValidationError) as err:
        services.folio_post_room_night(order=order, night=today + timedelta(days=2))
    assert err.value.code == "night_not_in_stay"


def test_room_night_with_an_amount(order, today):
    tx = services.folio_post_room_night(order=order, night=today + timedelta(days=1), amount=D("288"))
    assert tx.amount == D("288.00")


# --- check-out rule ---------------------------------------------------------------------------------------------------


def test_check_out_with_zero_balance_closes_the_folios(order, folio, clerk):
    charge(folio, "100.00")
    pay(folio, "100.00")
    result = services.folio_check_out_guard(order=order, actor=clerk)
    assert result == {"folios": [{"id": folio.pk, "balance": "0.00", "deposit_held": "0.00"}], "override": None,
                      "charged": [], "refundable": "0.00"}
    folio.refresh_from_db()
    assert folio.closed_at is not None
    assert folio.closed_by_id == clerk.pk
    assert list(FolioEvent.objects.filter(folio=folio).values_list("kind", flat=True)) == ["opened", "closed"]


def test_check_out_with_a_balance_is_refused_and_changes_nothing(order, folio, clerk):
    charge(folio, "100.00")
    pay(folio, "40.00")
    with pytest.raises(DomainError) as err:
        services.folio_check_out_guard(order=order, actor=clerk)
    assert err.value.code == "folio_balance_not_zero"
    assert err.value.extra == {
        "balance": "60.00", "deposit_held": "0.00", "folios": [{"id": folio.pk, "balance": "60.00", "deposit_held": "0.00"}],
    }
    folio.refresh_from_db()
    assert folio.closed_at is None
    assert not FolioEvent.objects.filter(folio=folio, kind__in=["closed", "check_out_override"]).exists()


def test_check_out_with_a_deposit_held_is_refused(order, folio, clerk, methods):
    services.folio_post_deposit(folio=folio, actor=clerk, amount=D("200.00"), payment_method=methods["cash"])
    with pytest.raises(DomainError) as err:
        services.folio_check_out_guard(order=order, actor=clerk)
    assert (err.value.code, err.value.extra["deposit_held"]) == ("folio_deposit_held", "200.00")


def test_manager_override_with_a_reason_is_recorded(order, folio, manager):
    charge(folio, "100.00")
    result = services.folio_check_out_guard(order=order, actor=manager, override_reason="Company pays by transfer")
    assert result["override"] == {"reason": "Company pays by transfer", "balance": "100.00", "deposit_held": "0.00", "by": manager.pk}
    event = FolioEvent.objects.get(folio=folio, kind="check_out_override")
    assert (event.actor_id, event.reason, event.data) == (
        manager.pk, "Company pays by transfer", {"balance": "100.00", "deposit_held": "0.00", "order_id": order.pk})
    folio.refresh_from_db()
    assert folio.closed_at is not None


def test_front_desk_override_is_refused(order, folio, clerk):
    charge(folio, "100.00")
    with pytest.raises(ManagerOnly):
        services.folio_check_out_guard(order=order, actor=clerk, override_reason="I say so")
    folio.refresh_from_db()
    assert folio.closed_at is None
    assert not FolioEvent.objects.filter(kind="check_out_override").exists()


def test_closed_folio_takes_payments_but_no_charges_voids_or_moves(order, folio, manager, methods):
    tx = charge(folio, "100.00")
    services.folio_check_out_guard(order=order, actor=manager, override_reason="Pays tomorrow")
    for post in (
        lambda: charge(folio, "1.00"),
        lambda: services.folio_transaction_void(tx=tx, actor=manager, reason="x"),
        lambda: services.folio_post_deposit(folio=folio, actor=manager, amount=D("1"), payment_method=methods["cash"]),
    ):
        with pytest.raises(DomainError) as err:
            post()
        assert err.value.code == "folio_closed"
    pay(folio, "100.00")
    # The order's two nights (600.00) are still not charged: the guard was called alone here.
    assert totals(folio) == zero(charges="100.00", payments="100.00", status=S.PARTIALLY_PAID)
    assert folio.closed_at is not None


def test_no_further_folio_on_a_checked_out_order(store, rt, manager):
    gone = make_order(store, room_type=rt, room=rt.rooms_list[2], status=Order.Status.CHECKED_OUT)
    with pytest.raises(DomainError) as err:
        services.folio_open(order=gone, actor=manager, name="late")
    assert err.value.code == "order_closed"
    assert not Folio.objects.filter(order=gone, is_primary=False).exists()


# --- reconciliation -------------------------------------------------------------------------------------------------


def test_reconcile_is_zero_after_a_mix_of_postings(order, folio, other_order, clerk, methods, manager):
    target = services.folio_primary_for_order(order=other_order)
    charge(folio, "300.00")
    pay(folio, "500.00")
    services.folio_post_refund(folio=folio, actor=clerk, amount=D("100.00"), payment_method=methods["cash"], reason="r")
    services.folio_post_discount(folio=folio, actor=manager, amount=D("10.00"), reason="r")
    tx = charge(folio, "20.00")
    services.folio_transaction_move(tx=tx, target=target, actor=clerk, reason="r")
    result = selectors.folio_reconcile(store=order.store)
    assert result == {"diff": D("0.00"), "folios": 2, "folios_off": 0, "orders_off": 0}


def test_reconcile_sees_an_order_whose_total_left_its_folios(order, folio, clerk):
    """An order total written behind the services' back (the nights still owed, 600.00,
    dropped) is found: the total is not charged plus unposted any more."""
    charge(folio, "30.00")
    Order.objects.filter(pk=order.pk).update(total_amount=D("30.00"), due_amount=D("30.00"))
    result = selectors.folio_reconcile(store=order.store)
    assert (result["diff"], result["orders_off"]) == (D("600.00"), 1)
