"""What makes the members' ledgers trustworthy, as PostgreSQL objects (the folio ledger's
pattern, ``apps/folios/migrations/0002_ledger_sql.py``).

Functions (in the public schema, created idempotently, shared by every tenant schema; the
triggers are per table and cloned with the schema):

- ``pms_ledger_append_only`` (folios'): BEFORE UPDATE / DELETE / TRUNCATE of the stored-value
  and points ledgers, the counted stays and the level changes, and DELETE / TRUNCATE of the
  pockets: refused, SQLSTATE 23L01.
- ``pms_member_sv_apply``: AFTER INSERT of a stored-value row: a top-up only for a member
  whose profile is active with a name and a phone (SQLSTATE 23M01); a spend voided gives
  back exactly its spend (same member, pocket, amounts; 23M03); then the row is added to the
  member's pocket of ``origin_store`` (created on first use) and to the member's
  balances, in the inserting statement. The CHECKs on both (never negative) then decide:
  a spend beyond the balance fails whatever path inserted it.
- ``pms_member_points_apply``: AFTER INSERT of a points row: a redemption voided gives back
  exactly its points (23M03); the points are added to the member's balance (CHECK >= 0).
- ``pms_member_balance_guard``: BEFORE UPDATE of a member's balances, or INSERT / UPDATE of
  a pocket, other than from the ledger triggers (``pg_trigger_depth() < 2``): refused, 23M02.
"""
from django.db import migrations

from apps.common.migration_sql import in_public


FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION public.pms_member_balance_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'ledger rule: % balances are written by the members'' ledgers only', TG_TABLE_NAME
            USING ERRCODE = '23M02';
    END IF;
    RETURN NEW;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pms_member_sv_apply() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    named boolean;
    orig record;
    updated integer;
BEGIN
    IF NEW.kind = 'top_up' THEN
        EXECUTE format('SELECT c.status = ''active'' AND c.phone_encrypted <> '''' AND btrim(c.full_name) <> '''' '
                       'FROM %1$I.members_member m JOIN %1$I.contacts_contact c ON c.id = m.contact_id WHERE m.id = $1',
                       TG_TABLE_SCHEMA)
            INTO named USING NEW.member_id;
        IF NOT coalesce(named, false) THEN
            RAISE EXCEPTION 'ledger rule: a top-up needs a member named with real name and phone' USING ERRCODE = '23M01';
        END IF;
    END IF;
    IF NEW.reverses_id IS NOT NULL THEN
        EXECUTE format('SELECT member_id, origin_store_id, kind, principal, bonus FROM %I.members_storedvalueentry WHERE id = $1',
                       TG_TABLE_SCHEMA)
            INTO orig USING NEW.reverses_id;
        IF orig.kind <> 'spend' OR NEW.kind <> 'spend_void' OR orig.member_id <> NEW.member_id
           OR orig.origin_store_id <> NEW.origin_store_id OR NEW.principal <> -orig.principal OR NEW.bonus <> -orig.bonus THEN
            RAISE EXCEPTION 'ledger rule: a spend voided gives back exactly its spend' USING ERRCODE = '23M03';
        END IF;
    END IF;
    -- Update, else create the pocket (a CHECK is evaluated on an INSERT's proposed row even
    -- when ON CONFLICT would update, so no upsert). The member's row lock, held by every
    -- writer, and UNIQUE (member, origin_store) keep this race-free.
    EXECUTE format('UPDATE %I.members_storedvaluepocket SET principal = principal + $3, bonus = bonus + $4 '
                   'WHERE member_id = $1 AND origin_store_id = $2', TG_TABLE_SCHEMA)
        USING NEW.member_id, NEW.origin_store_id, NEW.principal, NEW.bonus;
    GET DIAGNOSTICS updated = ROW_COUNT;  -- EXECUTE does not set FOUND
    IF updated = 0 THEN
        EXECUTE format('INSERT INTO %I.members_storedvaluepocket (member_id, origin_store_id, principal, bonus) '
                       'VALUES ($1, $2, $3, $4)', TG_TABLE_SCHEMA)
            USING NEW.member_id, NEW.origin_store_id, NEW.principal, NEW.bonus;
    END IF;
    EXECUTE format('UPDATE %I.members_member SET sv_principal = sv_principal + $1, sv_bonus = sv_bonus + $2 WHERE id = $3',
                   TG_TABLE_SCHEMA)
        USING NEW.principal, NEW.bonus, NEW.member_id;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION public.pms_member_points_apply() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    orig record;
BEGIN
    IF NEW.reverses_id IS NOT NULL THEN
        EXECUTE format('SELECT member_id, kind, points FROM %I.members_pointsentry WHERE id = $1', TG_TABLE_SCHEMA)
            INTO orig USING NEW.reverses_id;
        IF orig.kind <> 'redeem' OR NEW.kind <> 'redeem_void' OR orig.member_id <> NEW.member_id OR NEW.points <> -orig.points THEN
            RAISE EXCEPTION 'ledger rule: a redemption voided gives back exactly its points' USING ERRCODE = '23M03';
        END IF;
    END IF;
    EXECUTE format('UPDATE %I.members_member SET points = points + $1 WHERE id = $2', TG_TABLE_SCHEMA)
        USING NEW.points, NEW.member_id;
    RETURN NULL;
END
$fn$;
"""

BALANCES_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ("sv_principal", "sv_bonus", "points"))

APPEND_ONLY = ["members_storedvalueentry", "members_pointsentry", "members_memberstay", "members_levelchange"]

TRIGGERS = [
    *[
        (table, f"{table.split('_', 1)[1]}_append_only",
         f"BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION public.pms_ledger_append_only()")
        for table in APPEND_ONLY
    ],
    *[
        (table, f"{table.split('_', 1)[1]}_no_truncate",
         f"BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION public.pms_ledger_append_only()")
        for table in [*APPEND_ONLY, "members_storedvaluepocket"]
    ],
    ("members_storedvalueentry", "sventry_apply",
     "AFTER INSERT ON members_storedvalueentry FOR EACH ROW EXECUTE FUNCTION public.pms_member_sv_apply()"),
    ("members_pointsentry", "pointsentry_apply",
     "AFTER INSERT ON members_pointsentry FOR EACH ROW EXECUTE FUNCTION public.pms_member_points_apply()"),
    ("members_member", "member_balance_guard",
     f"BEFORE UPDATE ON members_member FOR EACH ROW WHEN ({BALANCES_CHANGED}) "
     "EXECUTE FUNCTION public.pms_member_balance_guard()"),
    ("members_storedvaluepocket", "svpocket_guard",
     "BEFORE INSERT OR UPDATE ON members_storedvaluepocket FOR EACH ROW EXECUTE FUNCTION public.pms_member_balance_guard()"),
    ("members_storedvaluepocket", "svpocket_no_delete",
     "BEFORE DELETE ON members_storedvaluepocket FOR EACH ROW EXECUTE FUNCTION public.pms_ledger_append_only()"),
]


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial"), ("folios", "0002_ledger_sql")]

    operations = [
        # Shared by every tenant schema; never dropped by a reverse migration (other schemas use them).
        migrations.RunSQL(sql=in_public(FUNCTIONS), reverse_sql=migrations.RunSQL.noop),
        *[
            migrations.RunSQL(sql=f"CREATE TRIGGER {name} {definition}", reverse_sql=f"DROP TRIGGER {name} ON {table}")
            for table, name, definition in TRIGGERS
        ],
    ]
