"""Reports keep no tables of their own: the business day moved to apps.tenancy
(``tenancy.0003_storebusinessday``), the night audit's records and daily figures to
apps.night_audit (``night_audit.0001_initial``). State only: the tables and their rows
stay where they are, under their old names."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_initial"),
        ("tenancy", "0003_storebusinessday"),
        ("night_audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="StoreBusinessDay"),
                migrations.DeleteModel(name="NightAudit"),
                migrations.DeleteModel(name="DailyStoreStats"),
            ],
            database_operations=[],
        ),
    ]
