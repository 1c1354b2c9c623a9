"""What makes the ledger trustworthy, as PostgreSQL objects (Django has no composite FKs
and no triggers, so this is plain SQL).

Composite foreign keys: a folio's order is in the folio's store; a ledger row's folio is in
the row's store and currency; its payment method and catalogue item are the store's; a
reversal / transfer-out takes back a row of its own folio.

Triggers (the functions live in the public schema, created idempotently here, so that the
triggers of tenant schemas cloned from the template call the one shared function rather
than the template schema's; the triggers themselves are per table and cloned with it):

- ``pms_ledger_append_only``: BEFORE UPDATE / DELETE / TRUNCATE of the ledger and of folio
  events: refused, SQLSTATE 23L01.
- ``pms_ledger_apply``: AFTER INSERT of a ledger row: checks a correction against the row
  it takes back (same total, opposite amount; transfers pair up; a take-back is never
  itself taken back: SQLSTATE 23L03) and adds the amount to the folio's total and balance,
  in the inserting statement, so no code path can post without the totals following.
  The folio's CHECK constraints (never more refunded than paid, ...) then decide.
- ``pms_folio_totals_guard``: BEFORE UPDATE of a folio's totals other than from the ledger
  trigger (``pg_trigger_depth() < 2``): refused, SQLSTATE 23L02.

The functions qualify tables with ``TG_TABLE_SCHEMA``: they work whatever the session's
search_path is.
"""
from django.db import migrations

from apps.common.migration_sql import in_public


FKS = [
    ("folios_folio", "folio_order_same_store", "order_id, store_id", "orders_order", "id, store_id"),
    ("folios_foliotransaction", "ledger_folio_same_store_currency", "folio_id, store_id, currency", "folios_folio", "id, store_id, currency"),
    ("folios_foliotransaction", "ledger_method_same_store", "payment_method_id, store_id", "folios_paymentmethod", "id, store_id"),
    ("folios_foliotransaction", "ledger_extra_item_same_store", "extra_item_id, store_id", "folios_extrachargeitem", "id, store_id"),
    ("folios_foliotransaction", "ledger_reverses_same_folio", "reverses_id, folio_id", "folios_foliotransaction", "id, folio_id"),
]

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION public.pms_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'ledger rule: % rows are append-only; % refused (post a reversal instead)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = '23L01', HINT = 'A posted transaction is never updated or deleted.';
END
$fn$;

CREATE OR REPLACE FUNCTION public.pms_folio_totals_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'ledger rule: folio % totals are written by the ledger only', OLD.id
            USING ERRCODE = '23L02';
    END IF;
    RETURN NEW;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pms_ledger_apply() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    orig record;
    moved_out boolean;
    sign integer;
BEGIN
    IF NEW.reverses_id IS NOT NULL OR NEW.transfer_of_id IS NOT NULL THEN
        EXECUTE format('SELECT folio_id, transaction_type, posts_to, amount FROM %I.folios_foliotransaction WHERE id = $1',
                       TG_TABLE_SCHEMA)
            INTO orig USING coalesce(NEW.reverses_id, NEW.transfer_of_id);
        IF orig.transaction_type IN ('reversal', 'transfer_out') THEN
            RAISE EXCEPTION 'ledger rule: a % row cannot be voided or moved', orig.transaction_type USING ERRCODE = '23L03';
        END IF;
        IF orig.posts_to <> NEW.posts_to THEN
            RAISE EXCEPTION 'ledger rule: a correction posts to the total of the row it corrects' USING ERRCODE = '23L03';
        END IF;
        IF NEW.reverses_id IS NOT NULL AND NEW.amount <> -orig.amount THEN
            RAISE EXCEPTION 'ledger rule: a % takes back the whole amount', NEW.transaction_type USING ERRCODE = '23L03';
        END IF;
        IF NEW.transfer_of_id IS NOT NULL THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.folios_foliotransaction WHERE reverses_id = $1 AND transaction_type = ''transfer_out'')',
                           TG_TABLE_SCHEMA)
                INTO moved_out USING NEW.transfer_of_id;
            IF NEW.amount <> orig.amount OR orig.folio_id = NEW.folio_id OR NOT moved_out THEN
                RAISE EXCEPTION 'ledger rule: a transfer_in follows the transfer_out of the same amount from another folio'
                    USING ERRCODE = '23L03';
            END IF;
        END IF;
    END IF;
    sign := CASE WHEN NEW.posts_to IN ('charges', 'refunds') THEN 1
                 WHEN NEW.posts_to IN ('discounts', 'payments') THEN -1
                 ELSE 0 END;
    EXECUTE format('UPDATE %I.folios_folio SET %I = %I + $1, balance = balance + $2 WHERE id = $3',
                   TG_TABLE_SCHEMA, 'total_' || NEW.posts_to, 'total_' || NEW.posts_to)
        USING NEW.amount, sign * NEW.amount, NEW.folio_id;
    RETURN NULL;
END
$fn$;
"""

TOTALS = ["total_charges", "total_discounts", "total_payments", "total_refunds", "total_deposits", "total_deposit_returns", "balance"]
TOTALS_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in TOTALS)

TRIGGERS = [
    ("folios_foliotransaction", "ledger_append_only",
     "BEFORE UPDATE OR DELETE ON folios_foliotransaction FOR EACH ROW EXECUTE FUNCTION public.pms_ledger_append_only()"),
    ("folios_foliotransaction", "ledger_no_truncate",
     "BEFORE TRUNCATE ON folios_foliotransaction FOR EACH STATEMENT EXECUTE FUNCTION public.pms_ledger_append_only()"),
    ("folios_foliotransaction", "ledger_apply",
     "AFTER INSERT ON folios_foliotransaction FOR EACH ROW EXECUTE FUNCTION public.pms_ledger_apply()"),
    ("folios_folioevent", "folioevent_append_only",
     "BEFORE UPDATE OR DELETE ON folios_folioevent FOR EACH ROW EXECUTE FUNCTION public.pms_ledger_append_only()"),
    ("folios_folio", "folio_totals_guard",
     f"BEFORE UPDATE ON folios_folio FOR EACH ROW WHEN ({TOTALS_CHANGED}) EXECUTE FUNCTION public.pms_folio_totals_guard()"),
]


class Migration(migrations.Migration):
    dependencies = [("folios", "0001_initial"), ("orders", "0002_same_store_foreign_keys")]

    operations = [
        *[
            migrations.RunSQL(
                sql=f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({cols}) REFERENCES {target} ({target_cols}) DEFERRABLE INITIALLY IMMEDIATE",
                reverse_sql=f"ALTER TABLE {table} DROP CONSTRAINT {name}",
            )
            for table, name, cols, target, target_cols in FKS
        ],
        # Shared by every tenant schema; never dropped by a reverse migration (other schemas use them).
        migrations.RunSQL(sql=in_public(FUNCTIONS), reverse_sql=migrations.RunSQL.noop),
        *[
            migrations.RunSQL(
                sql=f"CREATE TRIGGER {name} {definition}",
                reverse_sql=f"DROP TRIGGER {name} ON {table}",
            )
            for table, name, definition in TRIGGERS
        ],
    ]
