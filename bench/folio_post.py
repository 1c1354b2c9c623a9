"""Folio posting through the API: 16 clients post 10,000 transactions across 1,000 folios.

Builds a fresh tenant with 1,000 orders and their primary folios (written in bulk:
pending orders, which hold no inventory), the default payment methods and one catalogue
item; starts gunicorn; 16 client threads (one keep-alive session each, token auth) post a
mix to random folios -- charges (manual and catalogue extras, which also add an order
line), payments, deposits, refunds (each client refunds at most what it paid on that
folio, so refunds stay within the limit) and voids of its own charges. Every response
must be 201. Then reconciles in SQL: every folio's totals against the sums of its ledger
rows, every order's paid/due against its folios, and the clients' own tally of what they
posted against the ledger.

Prints ``{"bench": "folio_post", "tx_per_s", "p95_ms", "reconciliation_diff": "0.00", ...}``.
"""
from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import drop_tenant, emit, fresh_tenant, percentiles, serve, setup_django  # noqa: E402

CLIENTS, TRANSACTIONS, FOLIOS, WORKERS = 16, 10_000, 1_000, 4
# (kind, weight)
MIX = [("charge", 55), ("extra", 5), ("payment", 22), ("deposit", 4), ("refund", 7), ("void", 7)]


def build(store, admin):
    from datetime import timedelta

    from apps.tenancy.auth_services import integration_token_create

    from apps.folios import services as folios
    from apps.folios.models import Folio
    from apps.orders.models import Order, OrderItem
    from apps.orders.services import channel_defaults_ensure
    from apps.rooms.services import room_type_create
    from apps.tenancy.business_day import business_date

    channel = channel_defaults_ensure(store=store)[0]
    room_type = room_type_create(store=store, name="标准间", default_price=Decimal("300.00"))
    arrival = business_date(store=store) + timedelta(days=7)
    orders = Order.objects.bulk_create([
        Order(
            store=store, code=f"B{i:06d}", channel=channel, room_type=room_type, arrival=arrival,
            departure=arrival + timedelta(days=2), currency="CNY", total_amount=Decimal("600.00"),
            due_amount=Decimal("600.00"), primary_contact_name=f"客人{i}",
        )
        for i in range(FOLIOS)
    ])
    # two room nights each, as order_create would have written them (the order's total is their sum)
    OrderItem.objects.bulk_create([
        OrderItem(
            order=order, store=store, kind=OrderItem.Kind.ROOM_NIGHT, service_date=arrival + timedelta(days=n),
            description=f"标准间 {arrival + timedelta(days=n)}", unit_price=Decimal("300.00"), total_price=Decimal("300.00"),
            room_type=room_type,
        )
        for order in orders for n in range(2)
    ])
    folio_rows = Folio.objects.bulk_create([
        Folio(store=store, order=order, is_primary=True, currency="CNY") for order in orders
    ])
    methods = folios.payment_methods_ensure(store=store)
    item = folios.extra_item_create(store=store, name="早餐", default_price=Decimal("38.00"), category="food")
    token = integration_token_create(user=admin)[1]
    return [f.pk for f in folio_rows], [m.pk for m in methods], item.pk, token


class Client(threading.Thread):
    def __init__(self, n, base, token, folio_ids, method_ids, item_id, count, barrier):
        super().__init__()
        self.rng = random.Random(1000 + n)
        self.base, self.folio_ids, self.method_ids, self.item_id, self.count = base, folio_ids, method_ids, item_id, count
        self.barrier = barrier
        self.headers = {"Authorization": f"Token {token}", "Accept-Language": "en"}
        self.latencies: list[float] = []
        self.errors: Counter = Counter()
        self.kinds: Counter = Counter()
        # what this client posted, by folio total (the ledger must hold exactly this)
        self.tally: dict[str, Decimal] = defaultdict(Decimal)
        self.paid: dict[int, Decimal] = defaultdict(Decimal)  # by folio: payments - refunds of this client
        self.charges: list[tuple[int, int, Decimal]] = []  # own charges that may be voided (folio, tx, amount)

    def _post(self, session, folio_id, path, body):
        started = time.perf_counter()
        response = session.post(f"{self.base}/folios/{folio_id}/{path}/", json=body, headers=self.headers, timeout=30)
        self.latencies.append(time.perf_counter() - started)
        if response.status_code != 201:
            self.errors[f"{path}:{response.status_code}:{response.text[:120]}"] += 1
            return None
        return response.json()["transaction"]

    def _one(self, session):
        kinds, weights = zip(*MIX)
        kind = self.rng.choices(kinds, weights)[0]
        folio = self.rng.choice(self.folio_ids)
        method = self.rng.choice(self.method_ids)
        amount = Decimal(self.rng.randint(1000, 30000)) / 100
        if kind == "refund":
            candidates = [f for f, paid in self.paid.items() if paid >= Decimal("1.00")]
            if not candidates:
                kind = "payment"
            else:
                folio = self.rng.choice(candidates)
                amount = min(amount, self.paid[folio])
        if kind == "void" and not self.charges:
            kind = "charge"
        if kind == "charge":
            tx = self._post(session, folio, "charges", {"description": "Minibar", "unit_price": str(amount)})
            if tx:
                self.tally["charges"] += amount
                self.charges.append((folio, tx["id"], amount))
        elif kind == "extra":
            quantity = self.rng.randint(1, 3)
            tx = self._post(session, folio, "charges", {"extra_item": self.item_id, "quantity": quantity})
            if tx:
                self.tally["charges"] += Decimal(tx["amount"])
                self.tally["extras"] += Decimal(tx["amount"])
        elif kind in ("payment", "deposit"):
            tx = self._post(session, folio, f"{kind}s", {"amount": str(amount), "payment_method": method})
            if tx:
                self.tally[f"{kind}s"] += amount
                if kind == "payment":
                    self.paid[folio] += amount
        elif kind == "refund":
            tx = self._post(session, folio, "refunds", {"amount": str(amount), "payment_method": method, "reason": "bench"})
            if tx:
                self.tally["refunds"] += amount
                self.paid[folio] -= amount
        else:
            folio, tx_id, amount = self.charges.pop(self.rng.randrange(len(self.charges)))
            tx = self._post(session, folio, f"transactions/{tx_id}/void", {"reason": "bench"})
            if tx:
                self.tally["charges"] -= amount
        self.kinds[kind] += 1

    def run(self):
        import requests

        with requests.Session() as session:
            self.barrier.wait()
            for _ in range(self.count):
                self._one(session)


def reconcile(store, tallies: dict[str, Decimal]) -> tuple[Decimal, dict]:
    from django.db.models import Count, Sum

    from apps.folios.models import Folio, FolioTransaction
    from apps.folios.selectors import folio_reconcile
    from apps.orders.models import Order

    internal = folio_reconcile(store=store)
    sums = Folio.objects.filter(store=store).aggregate(
        charges=Sum("total_charges"), payments=Sum("total_payments"), refunds=Sum("total_refunds"), deposits=Sum("total_deposits"),
    )
    # every order owes its two nights (not posted) plus what its folio charged (issue 16: one balance)
    charged = Order.objects.filter(store=store).aggregate(s=Sum("total_amount"))["s"] - Decimal("600.00") * FOLIOS
    tally_diff = sum(abs(sums[k] - tallies[k]) for k in ("charges", "payments", "refunds", "deposits")) + abs(charged - tallies["charges"])
    rows = dict(FolioTransaction.objects.filter(store=store).values_list("transaction_type").annotate(n=Count("id")))
    return internal["diff"] + tally_diff, {"folios_off": internal["folios_off"], "orders_off": internal["orders_off"], "ledger_rows": rows}


def main() -> None:
    setup_django()
    from django_tenants.utils import tenant_context

    from apps.common.money import quantize

    tenant, store, admin = fresh_tenant("fp")
    try:
        with tenant_context(tenant):
            folio_ids, method_ids, item_id, token = build(store, admin)
        cpu_before = os.times()
        with serve(workers=WORKERS) as base:
            api = f"{base}/t/{tenant.slug}/api/v1/stores/{store.pk}"
            barrier = threading.Barrier(CLIENTS + 1)
            per = TRANSACTIONS // CLIENTS
            clients = [
                Client(n, api, token, folio_ids, method_ids, item_id, per + (1 if n < TRANSACTIONS % CLIENTS else 0), barrier)
                for n in range(CLIENTS)
            ]
            for c in clients:
                c.start()
            barrier.wait()
            started = time.perf_counter()
            for c in clients:
                c.join()
            elapsed = time.perf_counter() - started
            load = os.getloadavg()[0]
        # gunicorn and its workers, reaped when serve() stops them (PostgreSQL's CPU not included)
        cpu_after = os.times()
        app_cpu = (cpu_after.children_user + cpu_after.children_system) - (cpu_before.children_user + cpu_before.children_system)
        latencies = [x for c in clients for x in c.latencies]
        errors = sum((c.errors for c in clients), Counter())
        tallies: dict[str, Decimal] = defaultdict(Decimal)
        for c in clients:
            for k, v in c.tally.items():
                tallies[k] += v
        with tenant_context(tenant):
            diff, details = reconcile(store, tallies)
        posted = len(latencies) - sum(errors.values())
        pct = percentiles(latencies)
        result = {
            "bench": "folio_post",
            "tx_per_s": round(posted / elapsed, 1),
            "p95_ms": pct["p95_ms"],
            "reconciliation_diff": str(quantize(diff)),
            "p50_ms": pct["p50_ms"], "p99_ms": pct["p99_ms"],
            "clients": CLIENTS, "folios": FOLIOS, "requests": len(latencies), "posted": posted,
            "errors": sum(errors.values()),
            "mix": dict(sum((c.kinds for c in clients), Counter())),
            **details,
            "seconds": round(elapsed, 2),
            # CPU of the app server per request, and the machine's load while it ran (2 cores shared)
            "app_cpu_ms_per_request": round(app_cpu * 1000 / max(len(latencies), 1), 2),
            "load_avg_1m": round(load, 2),
        }
        if errors:
            result["error_samples"] = dict(errors.most_common(3))
        emit(result)
    finally:
        from django.db import connection

        connection.set_schema_to_public()
        drop_tenant(tenant)


if __name__ == "__main__":
    main()
