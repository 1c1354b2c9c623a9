"""PostgreSQL itself keeps the ledger: raw SQL, bypassing every service, cannot change or
delete a posted row, write a folio's totals, or post a correction that does not match.
The test tenant ``alpha`` is a clone of the template schema, so these also prove that
the triggers survived cloning and call the shared functions in the public schema."""
from datetime import date
from decimal import Decimal

from django.db import connection

from apps.folios import services
from apps.folios.models import FolioEvent, FolioTransaction
from apps.folios.tests.factories import charge, pay
from tests.sql import refused, run

D = Decimal


def test_update_of_a_posted_amount_is_refused(folio):
    tx = charge(folio, "80.00")
    message = refused("UPDATE folios_foliotransaction SET amount = 1 WHERE id = %s", [tx.pk], sqlstate="23L01")
    assert "ledger rule: folios_foliotransaction rows are append-only; UPDATE refused" in message
    refused("UPDATE folios_foliotransaction SET description = 'x' WHERE id = %s", [tx.pk], sqlstate="23L01")
    assert FolioTransaction.objects.get(pk=tx.pk).amount == D("80.00")


def test_delete_and_truncate_of_the_ledger_are_refused(folio):
    tx = charge(folio, "80.00")
    assert "DELETE refused" in refused("DELETE FROM folios_foliotransaction WHERE id = %s", [tx.pk], sqlstate="23L01")
    run("SET CONSTRAINTS ALL IMMEDIATE")  # fire the pending FK checks TRUNCATE would otherwise trip on
    assert "TRUNCATE refused" in refused("TRUNCATE folios_foliotransaction CASCADE", sqlstate="23L01")
    assert FolioTransaction.objects.filter(pk=tx.pk).exists()


def test_folio_events_are_append_only(folio):
    event = FolioEvent.objects.get(folio=folio)
    refused("UPDATE folios_folioevent SET reason = 'x' WHERE id = %s", [event.pk], sqlstate="23L01")
    refused("DELETE FROM folios_folioevent WHERE id = %s", [event.pk], sqlstate="23L01")


def test_folio_totals_are_written_by_the_ledger_only(folio):
    charge(folio, "80.00")
    message = refused("UPDATE folios_folio SET total_charges = 0, balance = 0 WHERE id = %s", [folio.pk], sqlstate="23L02")
    assert "totals are written by the ledger only" in message
    run("UPDATE folios_folio SET notes = 'VIP' WHERE id = %s", [folio.pk])  # other columns are free
    folio.refresh_from_db()
    assert (folio.total_charges, folio.notes) == (D("80.00"), "VIP")


INSERT = """
    INSERT INTO folios_foliotransaction (folio_id, store_id, currency, transaction_type, posts_to, charge_type, amount,
        quantity, description, payment_method_id, gateway_txn_id, reverses_id, transfer_of_id, reason, posted_at,
        business_date)
    VALUES (%(folio)s, %(store)s, %(currency)s, %(type)s, %(posts_to)s, %(charge_type)s, %(amount)s, 1, '',
        %(method)s, '', %(reverses)s, %(transfer_of)s, %(reason)s, now(), %(business_date)s)
"""


def row(folio, **values):
    base = {"folio": folio.pk, "store": folio.store_id, "currency": folio.currency, "type": "charge", "posts_to": "charges",
            "charge_type": "manual", "amount": D("1.00"), "method": None, "reverses": None, "transfer_of": None, "reason": "",
            "business_date": date(2026, 1, 1)}
    base.update(values)
    return base


def test_a_raw_insert_updates_the_totals_in_the_same_statement(folio):
    run(INSERT, row(folio, amount=D("12.34")))
    folio.refresh_from_db()
    assert (folio.total_charges, folio.balance) == (D("12.34"), D("12.34"))


def test_a_raw_insert_without_a_business_date_is_refused(folio):
    refused(INSERT, row(folio, business_date=None), sqlstate="23502")  # not_null_violation
    folio.refresh_from_db()
    assert folio.total_charges == D("0.00")


def test_a_raw_refund_beyond_the_payments_is_refused_by_the_folio_check(folio, methods):
    pay(folio, "10.00")
    refused(INSERT, row(folio, type="refund", posts_to="refunds", charge_type="", amount=D("10.01"), method=methods["cash"].pk),
            sqlstate="23514", constraint="folio_refunds_within_payments")
    run(INSERT, row(folio, type="refund", posts_to="refunds", charge_type="", amount=D("10.00"), method=methods["cash"].pk))


def test_corrections_must_match_the_row_they_take_back(folio, order, clerk):
    tx = charge(folio, "80.00")
    refused(INSERT, row(folio, type="reversal", amount=D("-79.00"), reverses=tx.pk, reason="r"), sqlstate="23L03")
    refused(INSERT, row(folio, type="reversal", posts_to="discounts", charge_type="", amount=D("-80.00"), reverses=tx.pk, reason="r"),
            sqlstate="23L03")
    other = services.folio_open(order=order, actor=clerk, name="other")
    refused(INSERT, row(other, type="reversal", amount=D("-80.00"), reverses=tx.pk, reason="r"),
            constraint="ledger_reverses_same_folio")
    # a transfer_in needs its transfer_out first
    refused(INSERT, row(other, type="transfer_in", amount=D("80.00"), transfer_of=tx.pk, reason="r"), sqlstate="23L03")
    run(INSERT, row(folio, type="reversal", amount=D("-80.00"), reverses=tx.pk, reason="r"))
    # at most one take-back per row
    refused(INSERT, row(folio, type="transfer_out", amount=D("-80.00"), reverses=tx.pk, reason="r"), sqlstate="23505")
    reversal = FolioTransaction.objects.get(reverses=tx)
    refused(INSERT, row(folio, type="reversal", amount=D("80.00"), reverses=reversal.pk, reason="r"), sqlstate="23514")
    refused(INSERT, row(folio, type="reversal", amount=D("-80.00"), reverses=reversal.pk, reason="r"), sqlstate="23L03")


def test_a_correction_needs_a_reason_and_postings_their_own_total(folio):
    tx = charge(folio, "80.00")
    refused(INSERT, row(folio, type="reversal", amount=D("-80.00"), reverses=tx.pk, reason=""), constraint="ledger_correction_has_reason")
    refused(INSERT, row(folio, type="discount", posts_to="charges"), constraint="ledger_posts_to_valid")
    refused(INSERT, row(folio, type="charge", amount=D("-1.00")), constraint="ledger_amount_sign")
    refused(INSERT, row(folio, type="payment", posts_to="payments", charge_type=""), constraint="ledger_money_has_method")


def test_a_row_in_another_currency_or_store_than_its_folio_is_refused(folio, world):
    refused(INSERT, row(folio, currency="USD"), constraint="ledger_folio_same_store_currency")
    refused(INSERT, row(folio, store=world.alpha.stores["A2"].pk), constraint="ledger_folio_same_store_currency")


def test_the_cloned_tenant_triggers_call_the_shared_public_functions(world):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT n.nspname, c.relname, t.tgname, fn.nspname, p.proname
               FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace fn ON fn.oid = p.pronamespace
               WHERE NOT t.tgisinternal AND c.relname LIKE 'folios_%%' AND n.nspname IN ('tpl_base', %s)
               ORDER BY 1, 2, 3""",
            [world.alpha.tenant.schema_name],
        )
        rows = cursor.fetchall()
    expected = [
        ("folios_folio", "folio_totals_guard", "public", "pms_folio_totals_guard"),
        ("folios_folioevent", "folioevent_append_only", "public", "pms_ledger_append_only"),
        ("folios_foliotransaction", "ledger_append_only", "public", "pms_ledger_append_only"),
        ("folios_foliotransaction", "ledger_apply", "public", "pms_ledger_apply"),
        ("folios_foliotransaction", "ledger_no_truncate", "public", "pms_ledger_append_only"),
    ]
    assert [r[1:] for r in rows if r[0] == world.alpha.tenant.schema_name] == expected
    assert [r[1:] for r in rows if r[0] == "tpl_base"] == expected
