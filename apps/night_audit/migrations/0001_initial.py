"""The night audit's records and daily figures move from apps.reports to apps.night_audit.

State only: ``reports_nightaudit`` and ``reports_dailystorestats`` were created by
``reports.0001_initial`` and keep their names, columns, constraints and rows
(``Meta.db_table``); ``reports.0002_models_moved`` removes the models from reports' state.
"""
import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("tenancy", "0002_auth_tokens_devices_wechat"),
        ("reports", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DailyStoreStats",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("date", models.DateField(verbose_name="date")),
                        ("rooms_total", models.PositiveIntegerField(verbose_name="rooms")),
                        ("rooms_out_of_order", models.PositiveIntegerField(verbose_name="rooms out of order")),
                        ("rooms_available", models.PositiveIntegerField(verbose_name="rooms available")),
                        ("rooms_sold", models.PositiveIntegerField(verbose_name="rooms sold")),
                        ("room_revenue", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="room revenue")),
                        ("other_revenue", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="other revenue")),
                        ("arrivals", models.PositiveIntegerField(default=0, verbose_name="arrivals")),
                        ("departures", models.PositiveIntegerField(default=0, verbose_name="departures")),
                        ("no_shows", models.PositiveIntegerField(default=0, verbose_name="no-shows")),
                        ("currency", models.CharField(default="CNY", max_length=3, verbose_name="currency")),
                        ("computed_at", models.DateTimeField(verbose_name="computed at")),
                        ("store", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="daily_stats", to="tenancy.store")),
                    ],
                    options={
                        "verbose_name": "daily figures",
                        "verbose_name_plural": "daily figures",
                        "ordering": ["-date"],
                        "db_table": "reports_dailystorestats",
                        "constraints": [
                            models.UniqueConstraint(fields=("store", "date"), name="dailystorestats_one_per_store_day"),
                            models.CheckConstraint(condition=models.Q(("rooms_available", django.db.models.expressions.CombinedExpression(models.F("rooms_total"), "-", models.F("rooms_out_of_order")))), name="dailystorestats_available"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="NightAudit",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("business_date", models.DateField(verbose_name="business date")),
                        ("status", models.CharField(choices=[("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="running", max_length=10, verbose_name="status")),
                        ("trigger", models.CharField(choices=[("beat", "Scheduled"), ("manual", "Back office"), ("api", "API")], max_length=10, verbose_name="trigger")),
                        ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                        ("started_at", models.DateTimeField(verbose_name="started at")),
                        ("last_attempt_at", models.DateTimeField(verbose_name="last attempt at")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                        ("duration_ms", models.PositiveIntegerField(blank=True, null=True, verbose_name="duration (ms)")),
                        ("currency", models.CharField(default="CNY", max_length=3, verbose_name="currency")),
                        ("room_charges_posted", models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="room charges posted")),
                        ("counts", models.JSONField(blank=True, default=dict, verbose_name="counts")),
                        ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
                        ("last_error", models.TextField(blank=True, default="", verbose_name="last error")),
                        ("store", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="night_audits", to="tenancy.store")),
                        ("triggered_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="by")),
                    ],
                    options={
                        "verbose_name": "night audit",
                        "verbose_name_plural": "night audits",
                        "ordering": ["-business_date", "-id"],
                        "db_table": "reports_nightaudit",
                        "constraints": [
                            models.UniqueConstraint(fields=("store", "business_date"), name="nightaudit_one_per_store_day"),
                            models.CheckConstraint(condition=models.Q(("status__in", ["running", "done", "failed"])), name="nightaudit_status_valid"),
                            models.CheckConstraint(condition=models.Q(models.Q(("status", "done"), _negated=True), models.Q(("duration_ms__isnull", False), ("finished_at__isnull", False)), _connector="OR"), name="nightaudit_done_has_finish"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
