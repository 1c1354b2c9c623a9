"""Where a room night's rate came from (issue 16, "Re-pricing", docs/orders.md):
``OrderItem.rate_source`` = ``rules`` (the store's pricing rules: re-priced when the stay's
length or type changes), ``channel`` (a channel's nightly price) or ``override`` (a
manager's rate), the last two kept through every change; and the ``rate_overridden`` event.

Existing lines: ``rules``, except the room nights of orders pushed by a channel
(``source = 'external'``), which are ``channel``: the earlier releases kept no trace of
whether the channel sent an amount, and re-pricing a channel's sale by the store's rules
would change what the channel sold. One UPDATE per schema; the column's default fills the
rest without a table rewrite (PostgreSQL 11+ stores a constant default in the catalog).
"""
from django.db import migrations, models

BACKFILL = """
UPDATE orders_orderitem i SET rate_source = 'channel'
  FROM orders_order o
 WHERE o.id = i.order_id AND o.source = 'external' AND i.kind = 'room_night'
"""


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0007_money_widths'),
    ]

    operations = [
        migrations.AddField(
            model_name='orderitem',
            name='rate_source',
            field=models.CharField(choices=[('rules', 'Pricing rules'), ('channel', 'Channel price'), ('override', "Manager's rate")], db_default='rules', default='rules', max_length=16, verbose_name='rate source'),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='orderevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('confirmed', 'Confirmed'), ('checked_in', 'Checked in'), ('extended', 'Extended'), ('checked_out', 'Checked out'), ('cancelled', 'Cancelled'), ('no_show', 'No-show'), ('modified', 'Stay changed'), ('room_assigned', 'Room assigned'), ('updated', 'Details edited'), ('item_added', 'Extra added'), ('item_removed', 'Extra removed'), ('conflict', 'Could not be confirmed'), ('guest_added', 'Guest added'), ('guest_removed', 'Guest removed'), ('rate_overridden', 'Rate overridden')], max_length=20, verbose_name='kind'),
        ),
        migrations.AddConstraint(
            model_name='orderitem',
            constraint=models.CheckConstraint(condition=models.Q(('rate_source__in', ['rules', 'channel', 'override'])), name='orderitem_rate_source_valid'),
        ),
    ]
