"""Build ``tests/data/upgrade_7245970.sql.gz``: a database as the release at commit 7245970
left it, for ``tests/test_upgrade_from_7245970.py``.

What it does, all with the release's own code (``git archive 7245970`` into a temporary
directory) and this checkout's virtualenv (the requirements did not change since):

1. drops and creates the database ``pms_upgrade_src`` (``--db`` to change it);
2. ``manage.py setup_db``: public schema, template schema ``tpl_base``, tenant schemas;
3. ``manage.py seed_demo``: tenant ``demo`` with two stores, staff, rooms, channels,
   orders around today (booked, pending, checked in, cancelled) and folio postings;
4. a second tenant ``upg`` built like the benches do, through the release's services:
   its business date set to three days ago (D), orders in every state (checked out with a
   room charge, an extra, a deposit taken and given back and payments; in the house with
   a deposit; due on D and never came; booked ahead with a prepayment; pending; cancelled),
   then the night audit of D (``apps.reports.services.night_audit_run``): room charges
   of night D, the no-show, the daily figures, the business date rolled to D + 1;
5. ``pg_dump --no-owner --no-privileges`` (plain SQL) gzip'd to the fixture, then drops
   the database.

The dates in the dump are those of the day it was built; the test reads them from the
dump, never from the clock. Usage (from the repository root)::

    .venv/bin/python scripts/make_upgrade_fixture.py [--db pms_upgrade_src] [--keep-db]

Needs PostgreSQL (``DATABASE_URL``'s server, else 127.0.0.1:5432 as user postgres) and
``pg_dump``/``psql`` of the server's major version on the PATH. No Redis: the old code
runs with ``PMS_NO_REDIS=1`` (in-process cache, tasks inline).
"""
from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RELEASE = "7245970"
FIXTURE = ROOT / "tests" / "data" / f"upgrade_{RELEASE}.sql.gz"

# Runs inside the old tree (cwd), after setup_db and seed_demo.
BUILD = textwrap.dedent(
    '''
    import os
    import sys

    sys.path.insert(0, os.getcwd())
    import django

    django.setup()

    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from apps.folios import services as folios
    from apps.folios.models import ExtraChargeItem, PaymentMethod
    from apps.orders import services as orders
    from apps.orders.models import Order
    from apps.orders.services import PersonIn
    from apps.reports.models import StoreBusinessDay
    from apps.reports.selectors import store_local_today
    from apps.reports.services import night_audit_run
    from apps.rooms import demo as rooms_demo
    from apps.rooms.models import Room, RoomType
    from apps.tenancy.public.services import tenant_provision

    tenant, store, admin = tenant_provision(
        slug="upg", name="Upgrade Inn", store_name="Upgrade Store", store_code="upg",
        admin_username="admin", admin_password="upgrade-pass-1",
    )
    with tenant_context(tenant):
        # Three days back: after its audit the store's business date (D + 1) is not the
        # calendar date, so a business day re-created on first use would show.
        D = store_local_today(store=store) - timedelta(days=3)
        StoreBusinessDay.objects.update_or_create(store=store, defaults={"business_date": D, "opened_at": timezone.now()})
        rooms_demo.seed(store=store)
        channels = orders.channel_defaults_ensure(store=store)
        methods = {m.method_type: m for m in folios.payment_methods_ensure(store=store)}
        water = folios.extra_item_create(store=store, name="Water", default_price=Decimal("5.00"),
                                         category=ExtraChargeItem.Category.MINIBAR)
        rooms = list(Room.objects.filter(store=store, is_active=True).select_related("room_type").order_by("number"))
        types = list(RoomType.objects.filter(store=store).order_by("sort_order"))
        cash, wechat, alipay = (methods[PaymentMethod.Type.CASH], methods[PaymentMethod.Type.WECHAT],
                                methods[PaymentMethod.Type.ALIPAY])

        def book(room, arrival, nights, name, phone, *, confirm=True, typed=None, channel=0):
            return orders.order_create(
                store=store, actor=admin, room_type=typed or room.room_type, room=None if typed else room,
                arrival=arrival, departure=arrival + timedelta(days=nights), channel=channels[channel],
                guests=[PersonIn(full_name=name, phone=phone)], confirm=confirm,
            )

        # Checked out on D: night D charged, an extra, a deposit taken and given back, paid in full.
        out = orders.order_check_in(order=book(rooms[0], D, 1, "Out Guest", "13900000001"), actor=admin)
        folio = folios.folio_primary_for_order(order=out)
        folios.folio_post_deposit(folio=folio, actor=admin, amount=Decimal("300.00"), payment_method=cash)
        folios.folio_post_room_night(order=out, night=D)
        folios.folio_post_charge(folio=folio, actor=admin, extra_item=water, quantity=2)
        folio.refresh_from_db()
        folios.folio_post_payment(folio=folio, actor=admin, amount=folio.balance, payment_method=wechat)
        folios.folio_post_deposit_return(folio=folio, actor=admin, amount=Decimal("300.00"), payment_method=cash)
        orders.order_check_out(order=out, actor=admin)
        # In the house on night D, staying on (the audit charges night D), with a deposit.
        stay = orders.order_check_in(order=book(rooms[1], D, 3, "Stay Guest", "13900000002", channel=1), actor=admin)
        folios.folio_post_deposit(folio=folios.folio_primary_for_order(order=stay), actor=admin,
                                  amount=Decimal("500.00"), payment_method=cash)
        # Due on D, never came: the audit marks it a no-show.
        book(rooms[2], D, 2, "Absent Guest", "13900000003")
        # Booked ahead with a prepayment; pending confirmation; cancelled.
        ahead = book(rooms[3], D + timedelta(days=3), 2, "Ahead Guest", "13900000004", channel=2)
        folios.folio_post_payment(folio=folios.folio_primary_for_order(order=ahead), actor=admin,
                                  amount=Decimal("100.00"), payment_method=alipay, description="deposit")
        book(None, D + timedelta(days=5), 1, "Pending Guest", "13900000005", confirm=False, typed=types[-1])
        gone = book(rooms[4], D + timedelta(days=2), 1, "Gone Guest", "13900000006")
        orders.order_cancel(order=gone, actor=admin, reason="plans changed")

        outcome = night_audit_run(store=store, business_date=D, trigger="manual", actor=admin)
        assert outcome.ran and outcome.audit.status == "done", outcome
        print("[fixture] upg audit of", D, outcome.audit.counts, flush=True)
        print("[fixture] upg statuses", sorted(Order.objects.values_list("code", "status")), flush=True)
    '''
)


def server_url(db: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{db}"))


def psql(url_db: str, sql: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url_db, "-c", sql], check=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="pms_upgrade_src")
    parser.add_argument("--keep-db", action="store_true", help="leave the database after dumping it")
    parser.add_argument("--out", default=str(FIXTURE))
    args = parser.parse_args()

    maintenance = server_url("postgres").replace("postgres://", "postgresql://", 1)
    url = server_url(args.db)
    psql(maintenance, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    psql(maintenance, f'CREATE DATABASE "{args.db}"')

    tmp = Path(tempfile.mkdtemp(prefix=f"pms-{RELEASE}-"))
    try:
        archive = subprocess.run(["git", "archive", RELEASE], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PMS_NO_REDIS": "1",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.pop("REDIS_URL", None)
        python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
        for command in (["setup_db"], ["seed_demo"]):
            subprocess.run([python, "manage.py", *command, "-v", "0"], cwd=tmp, env=env, check=True)
        (tmp / "_build_upgrade_fixture.py").write_text(BUILD)
        subprocess.run([python, "_build_upgrade_fixture.py"], cwd=tmp, env=env, check=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    dump = subprocess.run(
        ["pg_dump", "--no-owner", "--no-privileges", "--format=plain", "-d", url.replace("postgres://", "postgresql://", 1)],
        check=True, capture_output=True,
    ).stdout
    # pg_dump >= 15.14 / 16.10 / 17.6 brackets the script with psql's \restrict / \unrestrict,
    # which older psql clients refuse: the dump is ours, loading it needs neither.
    dump = b"".join(line for line in dump.splitlines(keepends=True) if not line.startswith((b"\\restrict ", b"\\unrestrict ")))
    # mtime=0: the same dump gives the same file.
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(dump)
    if not args.keep_db:
        psql(maintenance, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    print(f"[fixture] {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: "
          f"{out.stat().st_size} bytes ({len(dump)} bytes of SQL)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
