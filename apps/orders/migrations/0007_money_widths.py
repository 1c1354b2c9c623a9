"""Order money columns from DECIMAL(10,2) to DECIMAL(12,2), the folios' width (issue 16).

Widening a numeric's precision at the same scale keeps every stored value as it is, and
PostgreSQL does not rewrite the table for it. The limits the services check are in
``apps.common.money``.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0006_cancellation_policy'),
    ]

    operations = [
        migrations.AlterField(
            model_name='order',
            name='due_amount',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='due'),
        ),
        migrations.AlterField(
            model_name='order',
            name='paid_amount',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='paid'),
        ),
        migrations.AlterField(
            model_name='order',
            name='total_amount',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name='total'),
        ),
        migrations.AlterField(
            model_name='orderitem',
            name='total_price',
            field=models.DecimalField(decimal_places=2, max_digits=12, verbose_name='total'),
        ),
        migrations.AlterField(
            model_name='orderitem',
            name='unit_price',
            field=models.DecimalField(decimal_places=2, max_digits=12, verbose_name='unit price'),
        ),
    ]
