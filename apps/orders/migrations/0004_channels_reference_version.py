"""Channels are reference data kept per process (``apps.tenancy.reference_cache``, area
``channels``): every statement that changes ``orders_channel`` bumps the area's version in
its own transaction (the shared trigger function of migration ``tenancy.0004``)."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0003_orderevent_guest_kinds"),
        ("tenancy", "0004_reference_versions"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE TRIGGER reference_channels AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orders_channel "
            "FOR EACH STATEMENT EXECUTE FUNCTION public.pms_reference_changed('channels')",
            reverse_sql="DROP TRIGGER reference_channels ON orders_channel",
        ),
    ]
