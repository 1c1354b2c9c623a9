"""Cancellation and no-show terms (docs/orders.md, "Cancellation, no-show and expiry").

- ``orders_cancellationpolicy``: a store's terms, one row per store, written on a
  manager's first change (until then the store has the defaults); reference data cached
  per process, so its trigger bumps the ``cancellation_policy`` area like ``orders.0004``'s
  does for channels.
- ``orders_order.cancellation_policy``: the terms an order was booked under. Orders that
  exist before this migration get the default terms as they are written here (not as the
  code may later define them): an order pushed by a channel (``source = external``) the
  channel's terms with no fee sent (free: the channel never sent one), every other order
  the store defaults in its store's time zone. One UPDATE per store and kind.

Follows ``0005_money_charged_and_posted`` (the order's money follows its folios).
"""
import datetime
from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The default terms of this release (CancellationPolicy's field defaults), frozen here.
DEFAULT_STORE_TERMS = {
    "source": "store", "free_cancel_hours": 24, "check_in_time": "14:00", "cancel_fee": "first_night",
    "cancel_fee_percent": "100.00", "no_show_fee": "first_night", "fixed_fee": None,
}
CHANNEL_TERMS_WITHOUT_FEE = {
    "source": "channel", "free_cancel_hours": None, "check_in_time": None, "cancel_fee": "none",
    "cancel_fee_percent": "0.00", "no_show_fee": "none", "fixed_fee": None,
}


def snapshot_existing_orders(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Store = apps.get_model("tenancy", "Store")
    for store_id, time_zone in Store.objects.values_list("pk", "time_zone"):
        orders = Order.objects.filter(store_id=store_id)
        orders.filter(source="external").update(cancellation_policy={**CHANNEL_TERMS_WITHOUT_FEE, "time_zone": time_zone})
        orders.exclude(source="external").update(cancellation_policy={**DEFAULT_STORE_TERMS, "time_zone": time_zone})


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0005_money_charged_and_posted"),
        ("tenancy", "0004_reference_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="cancellation_policy",
            field=models.JSONField(blank=True, default=dict, verbose_name="cancellation policy"),
        ),
        migrations.CreateModel(
            name="CancellationPolicy",
            fields=[
                ("store", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="+", serialize=False,
                    to="tenancy.store",
                )),
                ("free_cancel_hours", models.PositiveIntegerField(
                    default=24, verbose_name="free cancellation until (hours before check-in)")),
                ("check_in_time", models.TimeField(default=datetime.time(14, 0), verbose_name="check-in time")),
                ("cancel_fee", models.CharField(
                    choices=[("none", "Free"), ("first_night", "First night"), ("percent", "Percentage of the stay")],
                    default="first_night", max_length=16, verbose_name="late cancellation fee",
                )),
                ("cancel_fee_percent", models.DecimalField(
                    decimal_places=2, default=Decimal("100.00"), max_digits=5, verbose_name="percentage of the stay")),
                ("no_show_fee", models.CharField(
                    choices=[("none", "Free"), ("first_night", "First night"), ("all_nights", "All nights")],
                    default="first_night", max_length=16, verbose_name="no-show fee",
                )),
                ("pending_expiry_minutes", models.PositiveIntegerField(
                    default=1440, verbose_name="cancel unconfirmed orders after (minutes)")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("updated_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                    to=settings.AUTH_USER_MODEL,
                )),
            ],
            options={
                "verbose_name": "cancellation policy",
                "verbose_name_plural": "cancellation policies",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("cancel_fee__in", ["none", "first_night", "percent"])),
                        name="cancellationpolicy_cancel_fee_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("no_show_fee__in", ["none", "first_night", "all_nights"])),
                        name="cancellationpolicy_no_show_fee_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("cancel_fee_percent__gte", 0), ("cancel_fee_percent__lte", 100)),
                        name="cancellationpolicy_percent_0_100",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("free_cancel_hours__lte", 720)), name="cancellationpolicy_free_hours_max"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("pending_expiry_minutes__lte", 43200)), name="cancellationpolicy_expiry_max"
                    ),
                ],
            },
        ),
        migrations.RunSQL(
            sql="CREATE TRIGGER reference_cancellation_policy AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            " ON orders_cancellationpolicy FOR EACH STATEMENT EXECUTE FUNCTION public.pms_reference_changed('cancellation_policy')",
            reverse_sql="DROP TRIGGER reference_cancellation_policy ON orders_cancellationpolicy",
        ),
        migrations.RunPython(snapshot_existing_orders, migrations.RunPython.noop),
    ]
