"""The order's money follows its folios (docs/folios.md, "One balance"): what the folios
have charged (``charged_amount``) and which lines are charged (``posted``). Filled from
the ledger by ``folios.0004_order_money_from_ledger``."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [('orders', '0004_channels_reference_version')]

    operations = [
        migrations.AddField(
            model_name='order',
            name='charged_amount',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='charged'),
        ),
        migrations.AddField(
            model_name='orderitem',
            name='posted',
            field=models.BooleanField(default=False, verbose_name='posted'),
        ),
        migrations.AddConstraint(
            model_name='order',
            constraint=models.CheckConstraint(condition=models.Q(('charged_amount__gte', 0), ('total_amount__gte', models.F('charged_amount'))), name='order_charged_within_total'),
        ),
    ]
