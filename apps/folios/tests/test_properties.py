"""Property: any sequence of post / pay / refund / deposit / void / move over three folios
of two orders keeps every folio's totals equal to its ledger and to an independent model,
and each order's paid/due in step; every refusal is the one the model predicts and leaves
nothing behind.

Each example runs in a savepoint rolled back at its end, inside the test's transaction
(the orders and folios are made once per test)."""
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.common.errors import DomainError
from apps.folios import selectors, services
from apps.folios.models import Folio, FolioTransaction
from apps.orders.models import Order
from apps.orders.tests.factories import make_order

D = Decimal
BUCKETS = ["charges", "discounts", "payments", "refunds", "deposits", "deposit_returns"]
SIGN = {"charges": 1, "discounts": -1, "payments": -1, "refunds": 1, "deposits": 0, "deposit_returns": 0}

cents = st.integers(min_value=1, max_value=30000).map(lambda c: D(c) / 100)
folio_ix = st.integers(min_value=0, max_value=2)
pick = st.integers(min_value=0, max_value=10_000)
STEP = st.one_of(
    st.tuples(st.just("charge"), folio_ix, cents),
    st.tuples(st.just("extra"), folio_ix, cents),
    st.tuples(st.just("discount"), folio_ix, cents),
    st.tuples(st.just("payment"), folio_ix, cents),
    st.tuples(st.just("refund"), folio_ix, cents),
    st.tuples(st.just("deposit"), folio_ix, cents),
    st.tuples(st.just("deposit_return"), folio_ix, cents),
    st.tuples(st.just("void"), pick, st.just(0)),
    st.tuples(st.just("move"), pick, folio_ix),
)


@dataclass
class Row:
    pk: int
    folio: int  # index
    type: str
    posts_to: str
    amount: Decimal
    item_order: int | None = None  # index of the order whose extra line this row stands for
    taken_back: str | None = None  # "reversal" or "transfer_out"


@dataclass
class Model:
    totals: list = field(default_factory=lambda: [{b: D("0.00") for b in BUCKETS} for _ in range(3)])
    order_total: list = field(default_factory=list)  # each order's nights, never posted here
    rows: list = field(default_factory=list)

    def refusal_to_take_back(self, f: int, posts_to: str, amount: Decimal) -> str | None:
        t = self.totals[f]
        if posts_to == "payments" and t["payments"] - amount < t["refunds"]:
            return "payment_already_refunded"
        if posts_to == "deposits" and t["deposits"] - amount < t["deposit_returns"]:
            return "deposit_already_returned"
        if posts_to == "charges" and t["charges"] - amount < t["discounts"]:
            return "charge_already_discounted"
        return None

    def refusal_to_add(self, f: int, posts_to: str, amount: Decimal) -> str | None:
        t = self.totals[f]
        if posts_to == "refunds" and t["refunds"] + amount > t["payments"]:
            return "refund_exceeds_paid"
        if posts_to == "deposit_returns" and t["deposit_returns"] + amount > t["deposits"]:
            return "deposit_return_exceeds_held"
        if posts_to == "discounts" and t["discounts"] + amount > t["charges"]:
            return "discount_exceeds_charges"
        return None


@pytest.fixture
def book(store, rt):
    """Two orders in the house; three folios: A's primary, A's company folio, B's primary."""
    a = make_order(store, room_type=rt, room=rt.rooms_list[0], status=Order.Status.CHECKED_IN)
    b = make_order(store, room_type=rt, room=rt.rooms_list[1], status=Order.Status.CHECKED_IN)
    folios = [
        services.folio_primary_for_order(order=a), services.folio_open(order=a, actor=None, name="Company"),
        services.folio_primary_for_order(order=b),
    ]
    return [a, b], folios


FOLIO_ORDER = [0, 0, 1]  # the order (index) of each folio


def apply(step, model: Model, orders, folios, methods, actor):
    """Run ``step`` through the services; return (expected refusal code, actual code)."""
    op, a, b = step
    cash = methods["cash"]
    if op in ("void", "move"):
        if not model.rows:
            return None, None
        row = model.rows[a % len(model.rows)]
        tx = FolioTransaction.objects.get(pk=row.pk)
        if op == "move" and b == row.folio:
            expected = "move_target_invalid"
        elif row.type in ("reversal", "transfer_out"):
            expected = "not_voidable" if op == "void" else "not_movable"
        elif row.taken_back:
            expected = "already_voided" if row.taken_back == "reversal" else "already_moved"
        else:
            expected = model.refusal_to_take_back(row.folio, row.posts_to, row.amount)
            if expected is None and op == "move":
                expected = model.refusal_to_add(b, row.posts_to, row.amount)
        try:
            if op == "void":
                new = [services.folio_transaction_void(tx=tx, actor=actor, reason="property")]
            else:
                moved = services.folio_transaction_move(tx=tx, target=folios[b], actor=actor, reason="property")
                new = [moved.transfer_out, moved.transfer_in]
        except DomainError as exc:
            return expected, exc.code
        row.taken_back = new[0].transaction_type
        model.totals[row.folio][row.posts_to] -= row.amount
        model.rows.append(Row(new[0].pk, row.folio, new[0].transaction_type, row.posts_to, -row.amount, row.item_order))
        if op == "move":
            model.totals[b][row.posts_to] += row.amount
            model.rows.append(Row(new[1].pk, b, "transfer_in", row.posts_to, row.amount, row.item_order))
        return expected, None

    f, amount = a, b
    folio = folios[f]
    posts_to = {"charge": "charges", "extra": "charges", "discount": "discounts", "payment": "payments", "refund": "refunds",
                "deposit": "deposits", "deposit_return": "deposit_returns"}[op]
    expected = model.refusal_to_add(f, posts_to, amount)
    try:
        if op in ("charge", "extra"):
            tx = services.folio_post_charge(folio=folio, actor=actor, charge_type="extra" if op == "extra" else "manual",
                                            description=op, unit_price=amount)
        elif op == "discount":
            tx = services.folio_post_discount(folio=folio, actor=actor, amount=amount, reason="property")
        elif op == "payment":
            tx = services.folio_post_payment(folio=folio, actor=actor, amount=amount, payment_method=cash)
        elif op == "refund":
            tx = services.folio_post_refund(folio=folio, actor=actor, amount=amount, payment_method=cash, reason="property")
        elif op == "deposit":
            tx = services.folio_post_deposit(folio=folio, actor=actor, amount=amount, payment_method=cash)
        else:
            tx = services.folio_post_deposit_return(folio=folio, actor=actor, amount=amount, payment_method=cash)
    except DomainError as exc:
        return expected, exc.code
    item_order = FOLIO_ORDER[f] if op == "extra" else None
    model.totals[f][posts_to] += amount
    model.rows.append(Row(tx.pk, f, tx.transaction_type, posts_to, amount, item_order))
    return expected, None


def check(model: Model, orders, folios, store):
    for i, folio in enumerate(folios):
        row = Folio.objects.get(pk=folio.pk)
        t = model.totals[i]
        assert {b: getattr(row, f"total_{b}") for b in BUCKETS} == t
        assert row.balance == sum(SIGN[b] * t[b] for b in BUCKETS)
    for j, order in enumerate(orders):
        row = Order.objects.get(pk=order.pk)
        paid = sum(model.totals[i]["payments"] - model.totals[i]["refunds"] for i in range(3) if FOLIO_ORDER[i] == j)
        # what the order owes: its nights (not posted here) plus what its folios charged (docs/folios.md, "One balance")
        charged = sum(model.totals[i]["charges"] - model.totals[i]["discounts"] for i in range(3) if FOLIO_ORDER[i] == j)
        total = model.order_total[j] + charged
        assert (row.total_amount, row.charged_amount, row.paid_amount, row.due_amount) == (total, charged, paid, total - paid)
    assert selectors.folio_reconcile(store=store)["diff"] == D("0.00")


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_random_sequences_keep_the_ledger_totals_and_orders_in_step(steps, book, store, methods, clerk):
    orders, folios = book
    with transaction.atomic():
        model = Model(order_total=[Order.objects.get(pk=o.pk).total_amount for o in orders])
        for step in steps:
            count = FolioTransaction.objects.count()
            expected, actual = apply(step, model, orders, folios, methods, clerk)
            assert actual == expected, (step, expected, actual)
            event(f"{step[0]}: {actual or 'posted'}")
            if actual is not None:
                assert FolioTransaction.objects.count() == count  # a refusal posts nothing
            check(model, orders, folios, store)
        transaction.set_rollback(True)
