"""The room catalog is reference data kept per process (``apps.tenancy.reference_cache``,
area ``room_catalog``): room types, their pricing rules and what a room is (its number,
type, store, whether it is in service). Every statement that changes them bumps the
area's version in its own transaction (the shared trigger function of migration
``tenancy.0004``); a room's housekeeping status, which changes all day, is left out
(``UPDATE OF`` the other columns)."""
from django.db import migrations

ROOM_COLUMNS = "store_id, room_type_id, number, floor, description, is_active, sort_order"
TRIGGERS = [
    ("rooms_roomtype", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("rooms_pricingrule", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
    ("rooms_room", f"INSERT OR DELETE OR TRUNCATE OR UPDATE OF {ROOM_COLUMNS}"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("rooms", "0004_roomnight_lock_index"),
        ("tenancy", "0004_reference_versions"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE TRIGGER reference_room_catalog AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION public.pms_reference_changed('room_catalog')",
            reverse_sql=f"DROP TRIGGER reference_room_catalog ON {table}",
        )
        for table, events in TRIGGERS
    ]
