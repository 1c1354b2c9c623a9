"""Upgrade from the release at commit 7245970: every migration of this code applies to a
database that release populated, and the data it left reads the same through this code.

The fixture ``tests/data/upgrade_7245970.sql.gz`` is a ``pg_dump`` of a database built by
that release's own code (``scripts/make_upgrade_fixture.py``): public schema, template
schema ``tpl_base``, tenant ``demo`` (``seed_demo``) and tenant ``upg`` (orders in every
state, folio postings, a night audit run). Since that release the business day moved from
``apps.reports`` to ``apps.tenancy`` and the night audit's records and daily figures to
``apps.night_audit`` (state-only migrations: the tables keep their names and rows), and
reference-version tables and triggers were added (``tenancy.0004``, ``rooms.0005``,
``orders.0004``).

The test loads the dump into a scratch database of its own (never the test database;
dropped at the end), runs this code's release step (``manage.py setup_db``: ``migrate_schemas``
of the public schema, then of every tenant schema, the template included) in a subprocess,
and checks:

- the dump is what it should be (exact row counts recorded below);
- every row of every table of every schema is still there, column by column, and every
  table, index, constraint, trigger and function of the dump still exists (only
  ``django_migrations``, ``django_content_type`` and ``auth_permission`` may gain rows);
- no migration is left to apply in any schema, and ``makemigrations --check`` finds none
  to write;
- the new tables and triggers exist in every tenant schema, and the triggers bump the
  versions;
- the previous release's API keys (DRF's ``authtoken_token``, stored in clear) became
  integration tokens holding only their hash (``tenancy.0005``): each old key still
  authenticates, with its user, until its expiry, and no clear key is left;
- this code reads the old rows through its moved models and selectors (business dates,
  night audits, daily figures, folio balances, the room grid) and writes on top of them
  (a posting, a new tenant cloned from the upgraded template);
- an Idempotency-Key the old intake answered still replays (``orders.0009`` gives it its
  principal), a claim it left in flight is dropped, and ``UNIQUE (store, key)`` is replaced
  by ``UNIQUE (store, user, key)`` (``REPLACED``).

The constants below (counts, dates, order codes) describe the committed dump: rebuilding
it (``scripts/make_upgrade_fixture.py``) gives new dates and codes, to be copied here.

Slow (about ten seconds): ``pytest -m slow tests/test_upgrade_from_7245970.py``.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "upgrade_7245970.sql.gz"
TENANT_SCHEMAS = ("tpl_base", "t_demo", "t_upg")
SCHEMAS = ("public", *TENANT_SCHEMAS)
# Tables the migration run may add rows to (never remove): its own records, and what
# post_migrate adds for new models.
GROWING = {"django_migrations", "django_content_type", "auth_permission"}
# Columns the upgrade recomputes on purpose, checked apart (``_check_order_money``): an
# order's total and due follow its folios from folios.0004 on (docs/folios.md, "One
# balance"), so a cancelled or no-show stay no longer shows its nights as due.
RECOMPUTED = {"orders_order": {"total_amount", "due_amount"}, "contacts_contact": {"birth_date", "id_number_masked"}}
# Columns a migration replaces on purpose, checked apart (``_check_contacts``): contacts.0002
# encrypts the clear birth date into ``birth_date_encrypted`` and drops it, and masks a
# document by its end only (the old mask's start and the birth date rebuilt the number).
DROPPED = {"contacts_contact": {"birth_date"}}
# tenancy.0005 moves the clear keys of DRF's table into tenancy_apitoken as hashes: the old
# table ends empty (checked apart, ``_check_api_keys``), the new one keeps its rows and gains these.
EMPTIED = {"authtoken_token"}
GAINS_ROWS = {"tenancy_apitoken"}

# API keys as the previous release issued them (``POST auth/token/``: 40 hex digits, in
# clear), added to the dump before the upgrade (it holds none): schema -> (user, key).
OLD_KEYS = {
    "t_demo": ("manager", "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"),
    "t_upg": (None, "0123456789abcdef0123456789abcdef01234567"),
}

# Rows in the dump, recorded when it was built (scripts/make_upgrade_fixture.py).
EXPECTED_ROWS = {
    ("public", "tenancy_public_tenant"): 3,
    ("public", "django_migrations"): 41,
    ("tpl_base", "django_migrations"): 41,
    ("tpl_base", "tenancy_store"): 0,
    ("t_demo", "tenancy_store"): 2,
    ("t_demo", "auth_user"): 4,
    ("t_demo", "tenancy_staffprofile"): 4,
    ("t_demo", "rooms_roomtype"): 6,
    ("t_demo", "rooms_room"): 22,
    ("t_demo", "rooms_roomlock"): 2,
    ("t_demo", "rooms_roomnight"): 28,
    ("t_demo", "contacts_contact"): 32,
    ("t_demo", "orders_order"): 18,
    ("t_demo", "orders_orderitem"): 38,
    ("t_demo", "orders_orderevent"): 48,
    ("t_demo", "folios_folio"): 14,
    ("t_demo", "folios_foliotransaction"): 30,
    ("t_demo", "reports_storebusinessday"): 2,
    ("t_demo", "reports_nightaudit"): 0,
    ("t_demo", "reports_dailystorestats"): 0,
    ("t_upg", "tenancy_store"): 1,
    ("t_upg", "auth_user"): 1,
    ("t_upg", "rooms_roomtype"): 3,
    ("t_upg", "rooms_room"): 11,
    ("t_upg", "rooms_roomnight"): 8,
    ("t_upg", "contacts_contact"): 6,
    ("t_upg", "orders_order"): 6,
    ("t_upg", "orders_orderitem"): 11,
    ("t_upg", "orders_orderevent"): 17,
    ("t_upg", "folios_folio"): 3,
    ("t_upg", "folios_foliotransaction"): 8,
    ("t_upg", "reports_storebusinessday"): 1,
    ("t_upg", "reports_nightaudit"): 1,
    ("t_upg", "reports_dailystorestats"): 1,
}

# Tenant upg (store "upg"): its night audit closed D = 2026-12-04, so its business date is
# D + 1; the orders as the release left them (code: status, folio balances).
UPG_AUDITED_DAY = "2026-12-04"
UPG_BUSINESS_DATE = "2026-12-05"
UPG_AUDIT_COUNTS = {"in_house": 1, "posted": 1, "no_shows": 1, "already_posted": 0, "departures_pending": 0}
UPG_DAILY = {"date": UPG_AUDITED_DAY, "rooms_total": 11, "rooms_sold": 2, "room_revenue": "982.80",
             "other_revenue": "10.00", "arrivals": 2, "no_shows": 1}
UPG_ORDERS = {
    "261204-00001": ("checked_out", ["0.00"]),
    "261204-00002": ("checked_in", ["421.20"]),
    "261204-00003": ("no_show", []),
    "261204-00004": ("confirmed", ["-100.00"]),
    "261204-00005": ("pending_confirmation", []),
    "261204-00006": ("cancelled", []),
}
# Made a channel's order before the upgrade (its room nights become rate_source 'channel').
UPG_CHANNEL_ORDER = "261204-00004"
# The room grid of store upg from D for 7 nights (D .. D + 6), by room number: v(acant),
# r(eserved), o(ccupied), x (out of order).
UPG_GRID = {
    "101": "ovvvvvv",  # checked out after night D
    "102": "ooovvvv",  # in the house D .. D + 2
    "103": "vvvvvvv",  # the no-show released its nights
    "104": "vvvrrvv",  # booked D + 3 .. D + 4
    "201": "vvvvvvv",  # cancelled
    "204": "vvvvvvx",  # maintenance lock from D + 6
}
# Triggers tenancy.0004, rooms.0005, orders.0004, orders.0006 and members.0002 add to every tenant schema: (table, trigger).
NEW_TRIGGERS = {
    ("auth_user", "reference_access"),
    ("tenancy_staffprofile", "reference_access"),
    ("tenancy_apitoken", "reference_access"),
    ("authtoken_token", "reference_access"),
    ("tenancy_store", "reference_access"),
    ("guardian_userobjectpermission", "reference_access"),
    ("reports_storebusinessday", "reference_business_day"),
    ("orders_channel", "reference_channels"),
    ("rooms_roomtype", "reference_room_catalog"),
    ("rooms_pricingrule", "reference_room_catalog"),
    ("rooms_room", "reference_room_catalog"),
    ("orders_cancellationpolicy", "reference_cancellation_policy"),
    # rooms.0006: the ARI change log's triggers
    ("rooms_roomtypenight", "ari_change"),
    ("rooms_pricingrule", "ari_change"),
    ("rooms_roomtype", "ari_change"),
    ("rooms_stayrestriction", "ari_change"),
    # tenancy.0006: the back office's change records are append-only
    ("tenancy_changerecord", "changerecord_append_only"),
    # members.0002: the members' ledgers are append-only and keep the balances
    ("members_storedvalueentry", "storedvalueentry_append_only"),
    ("members_storedvalueentry", "sventry_apply"),
    ("members_pointsentry", "pointsentry_apply"),
    ("members_member", "member_balance_guard"),
    ("members_storedvaluepocket", "svpocket_guard"),
}

# Idempotency keys as that release's intake left them (orders.0009 gives each key its
# principal, UNIQUE (store, key) becoming UNIQUE (store, user, key)): one answered, for
# UPG_CHANNEL_ORDER (created by the tenant's admin, user 1), which still replays, and one
# claim in flight, which committed no work and is dropped. The fingerprint is computed here
# as that release did (sha256 of method, path and canonical JSON body).
UPG_KEY = {"key": "mall-push-1", "path": "/t/upg/api/v1/stores/1/external-orders/",
           "body": {"channel": "mall", "external_ref": "M-77", "room_type": "2", "amount": "796.00"},
           "answer": {"id": 4, "code": UPG_CHANNEL_ORDER, "outcome": "confirmed"}}
_OLD_TYPES = ", ".join(f"('{t}'::character varying)::text" for t in ("cash", "wechat", "alipay", "bank_card", "ota_prepaid", "other"))
PAYMENT_TYPES_CHECK = "CHECK (((method_type)::text = ANY (ARRAY[{types}])))"
PAYMENT_TYPES_NEW_CHECK = "CHECK (((method_type)::text = ANY ((ARRAY[" + ", ".join(
    f"'{t}'::character varying" for t in ("cash", "wechat", "alipay", "bank_card", "ota_prepaid", "other", "stored_value", "points")
) + "])::text[])))"
# The objects orders.0009 (and folios.0005) replace on purpose, in every tenant schema, and what replaces them.
REPLACED = {
    (kind, schema, name, definition): (kind, schema, new_name, new_definition)
    for schema in TENANT_SCHEMAS
    for kind, name, definition, new_name, new_definition in (
        ("con", "orders_idempotencykey.idempotencykey_unique_per_store", "UNIQUE (store_id, key)",
         "orders_idempotencykey.idempotencykey_unique_per_principal", "UNIQUE (store_id, user_id, key)"),
        ("rel", "idempotencykey_unique_per_store", "i", "idempotencykey_unique_per_principal", "i"),
        # folios.0005 (issue 23): the member's stored value and points become payment methods
        ("con", "folios_paymentmethod.paymentmethod_type_valid", PAYMENT_TYPES_CHECK.format(types=_OLD_TYPES),
         "folios_paymentmethod.paymentmethod_type_valid", PAYMENT_TYPES_NEW_CHECK),
    )
}


def _fingerprint(method: str, path: str, body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()


# Run by this code against the upgraded database: what it reads from the old rows.
READ = r'''
import json, os, sys
sys.path.insert(0, os.getcwd())
import django
django.setup()
from datetime import timedelta
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import tenant_context
from apps.folios.selectors import folios_for_order
from apps.frontdesk.selectors import room_grid
from apps.night_audit.models import NightAudit
from apps.night_audit.selectors import business_day_info, daily_stats_list
from apps.night_audit.services import night_audit_run
from apps.orders.models import Order
from apps.tenancy.business_day import business_date
from apps.tenancy.models import Store, StoreBusinessDay
from apps.tenancy.public.models import Tenant


LETTER = {"vacant": "v", "reserved": "r", "occupied": "o", "out_of_order": "x"}


def pending():
    executor = MigrationExecutor(connection)
    return [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]


out = {"pending": {}, "tenants": {}}
connection.set_schema_to_public()
out["pending"]["public"] = pending()
for tenant in Tenant.objects.order_by("schema_name"):
    with tenant_context(tenant):
        out["pending"][tenant.schema_name] = pending()
        if tenant.is_template:
            continue
        rows_before = StoreBusinessDay.objects.count()
        codes = dict(Order.objects.values_list("id", "code"))
        stores = {}
        for store in Store.objects.order_by("pk"):
            day = business_date(store=store)
            info = business_day_info(store=store)
            grid = room_grid(store=store, start=day - timedelta(days=1), days=7)
            audits = []
            for audit in NightAudit.objects.filter(store=store).order_by("business_date"):
                again = night_audit_run(store=store, business_date=audit.business_date, trigger="manual")
                audits.append({
                    "business_date": audit.business_date, "status": audit.status, "counts": audit.counts,
                    "rerun_ran": again.ran, "rerun_same": again.audit.pk == audit.pk,
                })
            stats = [
                {k: getattr(s, k) for k in ("date", "rooms_total", "rooms_sold", "room_revenue", "other_revenue", "arrivals", "no_shows")}
                for s in daily_stats_list(store=store, start=day - timedelta(days=60), end=day)
            ]
            stores[store.code] = {
                "id": store.pk, "business_date": day, "info_business_date": info.business_date,
                "last_audit": info.last_audit and info.last_audit.business_date,
                "audits": audits, "daily": stats,
                "grid_start": grid["start"],
                "grid": {r["number"]: [LETTER[o] for o in r["occupancy"]] for r in grid["rooms"]},
                "grid_free": {t["name"]: t["free"] for t in grid["room_types"]},
                "grid_stays": sorted(codes[b["order_id"]] for r in grid["rooms"] for b in r["blocks"] if b["kind"] == "stay"),
            }
        orders = {
            o.code: {"status": o.status, "store": o.store.code, "paid": o.paid_amount, "guest": o.primary_contact_name,
                     "balances": [f.balance for f in folios_for_order(store=o.store, order_id=o.pk)]}
            for o in Order.objects.select_related("store").order_by("code")
        }
        out["tenants"][tenant.slug] = {
            "stores": stores, "orders": orders, "business_days_created": StoreBusinessDay.objects.count() - rows_before,
        }
from apps.orders.idempotency import idempotency_begin, request_fingerprint
from apps.orders.models import IdempotencyKey

spec = json.loads(os.environ["UPG_KEY"])
with tenant_context(Tenant.objects.get(slug="upg")):
    stored = IdempotencyKey.objects.select_related("store", "user").get(key=spec["key"])
    begun = idempotency_begin(store=stored.store, user=stored.user, key=spec["key"],
                              fingerprint=request_fingerprint(method="POST", path=spec["path"], body=spec["body"]))
    out["idempotency"] = {"user": stored.user.username, "order": stored.order.code, "replay": begun.replay,
                          "keys": sorted(IdempotencyKey.objects.values_list("key", flat=True))}
print("RESULT " + json.dumps(out, default=str))
'''

# Run by this code after the checks above: writes on top of the old rows.
WRITE = r'''
import json, os, sys
sys.path.insert(0, os.getcwd())
import django
django.setup()
from decimal import Decimal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import tenant_context
from apps.folios.models import Folio
from apps.folios.services import folio_post_charge
from apps.orders.models import Order
from apps.tenancy.public.models import Tenant
from apps.tenancy.public.services import tenant_provision

out = {}
with tenant_context(Tenant.objects.get(slug="upg")):
    order = Order.objects.get(code="261204-00002")
    folio = Folio.objects.get(order=order, is_primary=True)
    tx = folio_post_charge(folio=folio, actor=None, description="upgrade check", unit_price=Decimal("12.50"))
    folio.refresh_from_db()
    out["posting"] = {"business_date": tx.business_date, "balance": folio.balance}
tenant, store, admin = tenant_provision(
    slug="after", name="After the upgrade", store_name="After", admin_username="admin", admin_password="after-pass-1",
)
with tenant_context(tenant):
    executor = MigrationExecutor(connection)
    out["after"] = {
        "schema": tenant.schema_name,
        "pending": [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())],
    }
print("RESULT " + json.dumps(out, default=str))
'''


AUTH = r'''
import json, os, sys
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.test import Client

out = {}
for slug, key in json.loads(sys.argv[1]).items():
    me = Client().get(f"/t/{slug}/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    bad = Client().get(f"/t/{slug}/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key[:-1]}0")
    out[slug] = {"status": me.status_code, "username": me.json().get("username"), "wrong_key": bad.status_code}
print("RESULT " + json.dumps(out))
'''


def _check_api_keys(conn) -> None:
    """Every old key is an integration token of its user holding only the key's SHA-256,
    live for PMS_INTEGRATION_TOKEN_DAYS (90) from the upgrade; no key is left in clear."""
    for schema, (username, key) in OLD_KEYS.items():
        s = sql.Identifier(schema)
        assert conn.execute(sql.SQL("SELECT count(*) FROM {}.authtoken_token").format(s)).fetchone()[0] == 0, schema
        rows = conn.execute(sql.SQL(
            "SELECT t.kind, t.key_hash, u.username, t.revoked_at IS NULL, t.expires_at - now() > interval '89 days',"
            " t.expires_at - now() <= interval '90 days' FROM {s}.tenancy_apitoken t JOIN {s}.auth_user u ON u.id = t.user_id"
            " WHERE t.kind = 'integration'"
        ).format(s=s)).fetchall()
        expected_user = username or conn.execute(sql.SQL("SELECT min(username) FROM {}.auth_user").format(s)).fetchone()[0]
        assert rows == [("integration", hashlib.sha256(key.encode()).hexdigest(), expected_user, True, True, True)], (schema, rows)
        # the key's text is in no table of the schema
        dump = conn.execute(sql.SQL(
            "SELECT count(*) FROM {s}.tenancy_apitoken t WHERE t.key_hash = %s OR t.name = %s"
        ).format(s=s), [key, key]).fetchone()[0]
        assert dump == 0


def _base_url() -> str:
    return os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pms"


def _url_for(db: str) -> str:
    return urlunsplit(urlsplit(_base_url())._replace(path=f"/{db}"))


def _env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test", "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1"}


def _run(args: list[str], url: str, timeout: int = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=False, cwd=ROOT, env={**_env(url), **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)


def _result(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-8000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(lines[-1][len("RESULT "):])


def _tables(conn) -> dict[tuple[str, str], list[str]]:
    """(schema, table) -> its columns in order, for every table of SCHEMAS."""
    rows = conn.execute(
        """
        SELECT c.table_schema, c.table_name, array_agg(c.column_name::text ORDER BY c.ordinal_position)
          FROM information_schema.columns c
          JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE t.table_type = 'BASE TABLE' AND c.table_schema = ANY(%s)
         GROUP BY 1, 2
        """,
        [list(SCHEMAS)],
    ).fetchall()
    return {(schema, table): columns for schema, table, columns in rows}


def _kept(key: tuple[str, str], columns: list[str]) -> list[str]:
    return [c for c in columns if c not in RECOMPUTED.get(key[1], ())]


def _check_order_money(conn, old_money: dict) -> None:
    """After folios.0004: each order's total is what its folios charged plus its lines not
    charged (none once the stay is called off), due is total less paid; paid did not
    move; a stay not called off whose folios hold no manual charge or discount keeps its
    total; a cancelled or no-show stay owes only what was charged."""
    for schema in ("t_demo", "t_upg"):
        rows = conn.execute(sql.SQL(
            "SELECT o.code, o.status, o.total_amount, o.paid_amount, o.due_amount, o.charged_amount,"
            " coalesce((SELECT sum(f.total_charges - f.total_discounts) FROM {s}.folios_folio f WHERE f.order_id = o.id), 0),"
            " coalesce((SELECT sum(i.total_price) FROM {s}.orders_orderitem i WHERE i.order_id = o.id AND NOT i.posted), 0),"
            " EXISTS (SELECT 1 FROM {s}.folios_foliotransaction t JOIN {s}.folios_folio f ON f.id = t.folio_id"
            "         WHERE f.order_id = o.id AND (t.charge_type = 'manual' OR t.transaction_type = 'discount'))"
            " FROM {s}.orders_order o"
        ).format(s=sql.Identifier(schema))).fetchall()
        assert rows
        for code, status, total, paid, due, charged, folio_charged, unposted, adjusted in rows:
            called_off = status in ("cancelled", "no_show")
            assert charged == folio_charged, (schema, code)
            assert total == charged + (0 if called_off else unposted), (schema, code)
            assert due == total - paid, (schema, code)
            old_status, old_total, old_paid = old_money[(schema, code)]
            assert (status, paid) == (old_status, old_paid), (schema, code)
            if not called_off and not adjusted:
                assert total == old_total, (schema, code, total, old_total)
            if called_off:
                assert total == folio_charged, (schema, code)


def _check_contacts(conn, old_contacts: dict) -> None:
    """contacts.0002: each old birth date decrypts from ``birth_date_encrypted`` (bound to
    its tenant, table and field) and is nowhere in clear; each mask keeps only the old
    mask's end (4 characters of an ID)."""
    from apps.contacts import crypto

    encrypted = 0
    for (schema, pk), (birth, masked) in old_contacts.items():
        sealed, new_mask, row = conn.execute(sql.SQL(
            "SELECT birth_date_encrypted, id_number_masked, c::text FROM {s}.contacts_contact c WHERE id = %s"
        ).format(s=sql.Identifier(schema)), [pk]).fetchone()
        if birth is None:
            assert sealed == "", (schema, pk)
        else:
            assert crypto.decrypt(sealed, field="birth_date", schema=schema) == birth.isoformat(), (schema, pk)
            assert birth.isoformat() not in row and f"{birth:%Y%m%d}" not in row, (schema, pk)
            encrypted += 1
        tail = 4 if len(masked) >= 15 else 3 if len(masked) >= 8 else 2 if len(masked) >= 5 else 0
        assert new_mask == "*" * (len(masked) - tail) + (masked[-tail:] if tail else ""), (schema, pk, new_mask)
    assert encrypted and any(len(m) == 18 for _b, m in old_contacts.values())  # the dump had birth dates and IDs
    for schema in TENANT_SCHEMAS:
        assert not conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = 'contacts_contact'"
            " AND column_name = 'birth_date'", [schema],
        ).fetchone(), schema


def _check_rate_source(conn) -> None:
    """orders.0008: the room nights of external orders (a channel's sale) are ``channel``,
    every other line ``rules`` (``UPG_CHANNEL_ORDER``'s two nights are the channel's)."""
    seen = set()
    nights = conn.execute(sql.SQL(
        "SELECT i.rate_source, count(*) FROM t_upg.orders_orderitem i JOIN t_upg.orders_order o ON o.id = i.order_id"
        " WHERE o.code = %s AND i.kind = 'room_night' GROUP BY 1"), [UPG_CHANNEL_ORDER]).fetchall()
    assert nights == [("channel", 2)], nights
    for schema in ("t_demo", "t_upg"):
        rows = conn.execute(sql.SQL(
            "SELECT o.source = 'external' AND i.kind = 'room_night', i.rate_source, count(*)"
            " FROM {s}.orders_orderitem i JOIN {s}.orders_order o ON o.id = i.order_id GROUP BY 1, 2"
        ).format(s=sql.Identifier(schema))).fetchall()
        for channel_night, source, _count in rows:
            assert source == ("channel" if channel_night else "rules"), (schema, channel_night, source)
            seen.add(source)
    assert seen == {"channel", "rules"}, seen


def _rows(conn, schema: str, table: str, columns: list[str]) -> list[str]:
    """Every row of the table over ``columns``, as text, sorted."""
    query = sql.SQL("SELECT ROW({})::text FROM {}.{}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(schema), sql.Identifier(table)
    )
    return sorted(r[0] for r in conn.execute(query).fetchall())


def _objects(conn) -> set[tuple]:
    """Relations (tables, indexes, sequences), constraints with their definitions,
    user triggers and functions of SCHEMAS."""
    schemas = [list(SCHEMAS)]
    relations = conn.execute(
        "SELECT 'rel', n.nspname, c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'i', 'S', 'v', 'p')", schemas,
    ).fetchall()
    constraints = conn.execute(
        "SELECT 'con', n.nspname, r.relname || '.' || co.conname, pg_get_constraintdef(co.oid) FROM pg_constraint co"
        " JOIN pg_class r ON r.oid = co.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace WHERE n.nspname = ANY(%s)",
        schemas,
    ).fetchall()
    triggers = conn.execute(
        "SELECT 'trg', n.nspname, r.relname || '.' || t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
        " JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace"
        " WHERE NOT t.tgisinternal AND n.nspname = ANY(%s)", schemas,
    ).fetchall()
    functions = conn.execute(
        "SELECT 'fn', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s)", schemas,
    ).fetchall()
    return set(relations) | set(constraints) | set(triggers) | set(functions)


def _triggers(conn, schema: str) -> set[tuple[str, str]]:
    return set(conn.execute(
        "SELECT r.relname::text, t.tgname::text FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = r.relnamespace WHERE NOT t.tgisinternal AND n.nspname = %s",
        [schema],
    ).fetchall())


@pytest.fixture
def scratch_url():
    """A database of its own, dropped at the end (whatever happened)."""
    name = f"pms_upgrade_{uuid.uuid4().hex[:10]}"
    admin_url = _url_for("postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _url_for(name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _check_channels(conn) -> None:
    """rooms.0006, orders.0011/0012, webhooks.0001, ical.0001: the new tables are in every tenant
    schema, empty; the ARI triggers log a change of the old rows (a default price, a
    counter of the old inventory), rolled back afterwards."""
    for schema in TENANT_SCHEMAS:
        for table in ("rooms_stayrestriction", "rooms_arichange", "orders_channelmapping", "webhooks_webhooksubscription",
                      "webhooks_webhookdelivery", "webhooks_webhookattempt", "webhooks_webhookcursor", "ical_icalexport",
                      "ical_icalimport", "ical_icalimportedstay"):
            assert conn.execute("SELECT to_regclass(%s)", [f"{schema}.{table}"]).fetchone()[0], (schema, table)
            assert conn.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
                                ).fetchone()[0] == 0, (schema, table)
    assert conn.execute("SELECT to_regprocedure('public.pms_rooms_ari_inventory()')").fetchone()[0]
    with conn.transaction():
        conn.execute("SET LOCAL search_path = t_upg, public")
        type_id = conn.execute("SELECT min(id) FROM rooms_roomtype").fetchone()[0]
        conn.execute("UPDATE rooms_roomtype SET default_price = default_price + 1 WHERE id = %s", [type_id])
        night_row = conn.execute("SELECT room_type_id, night FROM rooms_roomtypenight WHERE held > 0 ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE rooms_roomtypenight SET held = held - 1 WHERE room_type_id = %s AND night = %s", list(night_row))
        logged = conn.execute("SELECT kind, room_type_id, first_night, last_night FROM rooms_arichange ORDER BY id").fetchall()
        assert logged == [("price", type_id, None, None), ("availability", night_row[0], night_row[1], night_row[1])], logged
        raise psycopg.Rollback()  # leave the upgraded rows as they were


@pytest.mark.slow
def test_upgrade_from_7245970(scratch_url):
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is needed to load the dump")
    load = subprocess.run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", scratch_url, "-f", "-"],
        check=False, input=gzip.decompress(FIXTURE.read_bytes()), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300,
    )
    assert load.returncode == 0, load.stderr.decode()[-4000:]

    # --- before: the dump is the one recorded; snapshot of its rows and objects --------
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        # The dump holds no order pushed by a channel: make upg's confirmed one such an order,
        # as that release wrote them (source 'external'), so orders.0008's backfill is seen.
        conn.execute(f"UPDATE t_upg.orders_order SET source = 'external' WHERE code = '{UPG_CHANNEL_ORDER}'")
        # Keys of that release's intake (UPG_KEY): one answered, one claim in flight.
        fingerprint = _fingerprint("POST", UPG_KEY["path"], UPG_KEY["body"])
        conn.execute(
            "INSERT INTO t_upg.orders_idempotencykey (key, fingerprint, status, response_status, response_body, created_at,"
            " started_at, expires_at, store_id, order_id) VALUES"
            " (%s, %s, 'done', 201, %s::jsonb, now(), now(), now() + interval '24 hours', 1,"
            "  (SELECT id FROM t_upg.orders_order WHERE code = %s)),"
            " ('mall-push-2', %s, 'in_flight', NULL, NULL, now(), now(), now() + interval '24 hours', 1, NULL)",
            [UPG_KEY["key"], fingerprint, json.dumps(UPG_KEY["answer"]), UPG_CHANNEL_ORDER, fingerprint],
        )

        # API keys as that release stored them (in clear), so tenancy.0005's move to hashes is seen.
        for schema, (username, key) in OLD_KEYS.items():
            who = sql.SQL("username = {}").format(sql.Literal(username)) if username else sql.SQL("TRUE")
            conn.execute(sql.SQL(
                "INSERT INTO {s}.authtoken_token (key, created, user_id)"
                " SELECT {k}, now() - interval '40 days', min(id) FROM {s}.auth_user WHERE {who}"
            ).format(s=sql.Identifier(schema), k=sql.Literal(key), who=who))
        before_tables = _tables(conn)
        before_rows = {key: _rows(conn, *key, _kept(key, cols)) for key, cols in before_tables.items()}
        old_money = {
            (schema, code): (status, total, paid)
            for schema in ("t_demo", "t_upg")
            for code, status, total, paid in conn.execute(sql.SQL(
                "SELECT code, status, total_amount, paid_amount FROM {s}.orders_order"
            ).format(s=sql.Identifier(schema))).fetchall()
        }
        old_contacts = {
            (schema, pk): (birth, masked)
            for schema in ("t_demo", "t_upg")
            for pk, birth, masked in conn.execute(sql.SQL(
                "SELECT id, birth_date, id_number_masked FROM {s}.contacts_contact"
            ).format(s=sql.Identifier(schema))).fetchall()
        }
        before_objects = _objects(conn)
        assert {key: len(before_rows[key]) for key in EXPECTED_ROWS} == EXPECTED_ROWS
        assert not conn.execute("SELECT to_regclass('t_upg.tenancy_referenceversion')").fetchone()[0]
        # order code -> balances of its folios, from the old tables
        old_balances = {
            (schema, code): [str(b) for b in balances]
            for schema in ("t_demo", "t_upg")
            for code, balances in conn.execute(sql.SQL(
                "SELECT o.code, coalesce(array_agg(f.balance ORDER BY f.is_primary DESC, f.id) FILTER (WHERE f.id IS NOT NULL), '{{}}')"
                " FROM {s}.orders_order o LEFT JOIN {s}.folios_folio f ON f.order_id = o.id GROUP BY o.code"
            ).format(s=sql.Identifier(schema))).fetchall()
        }
        old_dates = dict(conn.execute(
            "SELECT 'demo:' || s.code, d.business_date::text FROM t_demo.reports_storebusinessday d"
            " JOIN t_demo.tenancy_store s ON s.id = d.store_id"
            " UNION ALL SELECT 'upg:' || s.code, d.business_date::text FROM t_upg.reports_storebusinessday d"
            " JOIN t_upg.tenancy_store s ON s.id = d.store_id"
        ).fetchall())
        demo_rooms = dict(conn.execute(
            "SELECT s.code, count(*) FROM t_demo.rooms_room r JOIN t_demo.tenancy_store s ON s.id = r.store_id"
            " WHERE r.is_active GROUP BY s.code"
        ).fetchall())
    assert old_dates["upg:upg"] == UPG_BUSINESS_DATE
    # --- the upgrade: this code's release step -----------------------------------------
    migrate = _run([sys.executable, "manage.py", "setup_db", "-v", "1"], scratch_url)
    assert migrate.returncode == 0, migrate.stdout[-6000:] + migrate.stderr[-8000:]
    check = _run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], scratch_url)
    assert check.returncode == 0, check.stdout + check.stderr

    # --- after: every old row and object is still there ---------------------------------
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        after_tables = _tables(conn)
        lost, changed = [], []
        for key, cols in before_tables.items():
            if key not in after_tables:
                lost.append(f"{key[0]}.{key[1]} (table gone)")
                continue
            missing_cols = [c for c in cols if c not in after_tables[key] and c not in DROPPED.get(key[1], ())]
            if missing_cols:
                lost.append(f"{key[0]}.{key[1]} columns {missing_cols}")
                continue
            cols = [c for c in _kept(key, cols) if c not in DROPPED.get(key[1], ())]
            after = _rows(conn, *key, cols)
            if key[1] in EMPTIED:
                continue  # _check_api_keys
            if key[1] in GROWING or key[1] in GAINS_ROWS:
                gone = sorted(set(before_rows[key]) - set(after))
                if gone:
                    changed.append(f"{key[0]}.{key[1]}: {len(gone)} old rows gone, e.g. {gone[:3]}")
            elif key[1] == "orders_idempotencykey":  # orders.0009 drops the claim in flight, keeps the rest
                kept = [r for r in before_rows[key] if ",in_flight," not in r]
                if after != kept or len(kept) != len(before_rows[key]) - (key[0] == "t_upg"):
                    changed.append(f"{key[0]}.{key[1]}: {before_rows[key]} before, {after} after")
            elif after != before_rows[key]:
                changed.append(
                    f"{key[0]}.{key[1]}: {len(before_rows[key])} rows before, {len(after)} after; "
                    f"gone e.g. {sorted(set(before_rows[key]) - set(after))[:2]}, new e.g. {sorted(set(after) - set(before_rows[key]))[:2]}"
                )
        assert not lost, lost
        assert not changed, changed
        _check_order_money(conn, old_money)
        _check_api_keys(conn)
        _check_rate_source(conn)
        _check_contacts(conn, old_contacts)
        _check_channels(conn)
        after_objects = _objects(conn)
        missing_objects = sorted(before_objects - after_objects - set(REPLACED))
        assert not missing_objects, missing_objects
        assert set(REPLACED) <= before_objects and not set(REPLACED) & after_objects
        assert set(REPLACED.values()) <= after_objects, sorted(set(REPLACED.values()) - after_objects)

        # The new tables, function and triggers, in every tenant schema (the template too).
        assert conn.execute("SELECT to_regprocedure('public.pms_reference_changed()')").fetchone()[0]
        assert conn.execute("SELECT to_regclass('public.pms_reference_version')").fetchone()[0]
        for schema in TENANT_SCHEMAS:
            assert conn.execute("SELECT to_regclass(%s)", [f"{schema}.tenancy_referenceversion"]).fetchone()[0], schema
            assert NEW_TRIGGERS <= _triggers(conn, schema), (schema, NEW_TRIGGERS - _triggers(conn, schema))
        assert not conn.execute("SELECT to_regclass('public.tenancy_referenceversion')").fetchone()[0]

    # --- the previous release's API keys still authenticate, through their hash ----------
    keys = {schema[2:]: key for schema, (_user, key) in OLD_KEYS.items()}
    auth = _result(_run([sys.executable, "-c", AUTH, json.dumps(keys)], scratch_url))
    demo_user = OLD_KEYS["t_demo"][0]
    assert auth["demo"] == {"status": 200, "username": demo_user, "wrong_key": 401}, auth
    assert auth["upg"]["status"] == 200 and auth["upg"]["wrong_key"] == 401, auth

    # --- this code reads the old rows through its own models and selectors -------------
    read = _result(_run([sys.executable, "-c", READ], scratch_url, env={"UPG_KEY": json.dumps(UPG_KEY)}))
    # The intake's key answered before the upgrade replays after it, as its creator's.
    assert read["idempotency"] == {"user": "admin", "order": UPG_CHANNEL_ORDER, "replay": [201, UPG_KEY["answer"]],
                                   "keys": [UPG_KEY["key"]]}
    assert read["pending"] == {"public": [], "tpl_base": [], "t_demo": [], "t_upg": []}
    demo, upg = read["tenants"]["demo"], read["tenants"]["upg"]
    created = (demo["business_days_created"], upg["business_days_created"])
    assert created == (0, 0), f"business-day rows created on first use (demo, upg): {created}; the old rows were not read"

    # Business day (moved reports -> tenancy): the dates the old rows hold.
    for slug, tenant in (("demo", demo), ("upg", upg)):
        for code, store in tenant["stores"].items():
            assert store["business_date"] == store["info_business_date"] == old_dates[f"{slug}:{code}"], (slug, code)
    store = upg["stores"]["upg"]
    assert store["business_date"] == UPG_BUSINESS_DATE
    # Night audit and daily figures (moved reports -> night_audit).
    assert store["last_audit"] == UPG_AUDITED_DAY
    [audit] = store["audits"]
    assert audit["business_date"] == UPG_AUDITED_DAY and audit["status"] == "done"
    assert {k: audit["counts"][k] for k in UPG_AUDIT_COUNTS} == UPG_AUDIT_COUNTS
    assert audit["rerun_ran"] is False and audit["rerun_same"] is True  # the closed day answers with its record
    [daily] = store["daily"]
    assert {k: daily[k] for k in UPG_DAILY} == UPG_DAILY
    assert all(not s["audits"] and not s["daily"] and s["last_audit"] is None for s in demo["stores"].values())

    # Orders and their folio balances, as the old tables hold them.
    assert {code: (o["status"], [str(b) for b in o["balances"]]) for code, o in upg["orders"].items()} == UPG_ORDERS
    for slug, tenant in (("demo", demo), ("upg", upg)):
        schema = f"t_{slug}"
        assert len(tenant["orders"]) == EXPECTED_ROWS[(schema, "orders_order")]
        for code, order in tenant["orders"].items():
            assert [str(b) for b in order["balances"]] == old_balances[(schema, code)], (slug, code)
    assert upg["orders"]["261204-00002"]["guest"] == "Stay Guest"

    # The room grid (房态图) over the old inventory rows.
    assert store["grid_start"] == UPG_AUDITED_DAY
    grid = {number: "".join(occupancy) for number, occupancy in store["grid"].items()}
    assert len(grid) == EXPECTED_ROWS[("t_upg", "rooms_room")]
    assert {n: grid[n] for n in UPG_GRID} == UPG_GRID
    assert store["grid_stays"] == ["261204-00001", "261204-00002", "261204-00004"]
    for code, demo_store in demo["stores"].items():
        assert len(demo_store["grid"]) == demo_rooms[code]
        assert demo_store["grid_stays"], code  # the demo's stays around today

    # Cancellation terms (orders.0006): every old order got the default terms of its kind.
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        for schema in ("t_demo", "t_upg"):
            terms = conn.execute(sql.SQL(
                "SELECT o.source = 'external', o.cancellation_policy - 'time_zone', o.cancellation_policy ->> 'time_zone' = s.time_zone,"
                " count(*) FROM {s}.orders_order o JOIN {s}.tenancy_store s ON s.id = o.store_id GROUP BY 1, 2, 3"
            ).format(s=sql.Identifier(schema))).fetchall()
            assert sum(n for *_rest, n in terms) == EXPECTED_ROWS[(schema, "orders_order")], schema
            for external, policy, same_zone, _n in terms:
                assert same_zone, schema
                assert policy == ({"source": "channel", "free_cancel_hours": None, "check_in_time": None, "cancel_fee": "none",
                                   "cancel_fee_percent": "0.00", "no_show_fee": "none", "fixed_fee": None} if external else
                                  {"source": "store", "free_cancel_hours": 24, "check_in_time": "14:00", "cancel_fee": "first_night",
                                   "cancel_fee_percent": "100.00", "no_show_fee": "first_night", "fixed_fee": None}), (schema, policy)

    # --- the triggers bump the versions; this code writes on top of the old rows --------
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        conn.execute("DELETE FROM t_upg.tenancy_referenceversion")
        conn.execute("UPDATE t_upg.orders_channel SET name = name WHERE id = (SELECT min(id) FROM t_upg.orders_channel)")
        conn.execute("UPDATE t_upg.rooms_room SET floor = floor WHERE number = '101'")
        conn.execute("UPDATE t_upg.reports_storebusinessday SET opened_at = opened_at")
        conn.execute("UPDATE t_upg.tenancy_store SET name = name")
        bumped = {area for (area,) in conn.execute("SELECT area FROM t_upg.tenancy_referenceversion").fetchall()}
        assert bumped == {"channels", "room_catalog", "business_day", "access"}
    write = _result(_run([sys.executable, "-c", WRITE], scratch_url))
    assert write["posting"] == {"business_date": UPG_BUSINESS_DATE, "balance": "433.70"}
    assert write["after"]["pending"] == []
    with psycopg.connect(scratch_url, autocommit=True) as conn:
        schema = write["after"]["schema"]
        assert NEW_TRIGGERS <= _triggers(conn, schema), NEW_TRIGGERS - _triggers(conn, schema)
