"""The business day moves from apps.reports to apps.tenancy, its table kept as it is.

State only: ``reports_storebusinessday`` was created by ``reports.0001_initial`` and keeps
its name, columns and rows (``Meta.db_table``); ``reports.0002_models_moved`` removes the
model from reports' state.
"""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tenancy", "0002_auth_tokens_devices_wechat"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StoreBusinessDay",
                    fields=[
                        ("store", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="business_day", serialize=False, to="tenancy.store")),
                        ("business_date", models.DateField(verbose_name="business date")),
                        ("opened_at", models.DateTimeField(verbose_name="opened at")),
                    ],
                    options={
                        "verbose_name": "business date",
                        "verbose_name_plural": "business dates",
                        "db_table": "reports_storebusinessday",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
