"""Idempotency keys for every POST that creates or moves money or bookings (issue 17):
a key belongs to the principal who sent it (``user``) in a store, no longer to the store
alone, so one user's key is never another's answer.

Existing rows were written by the external intake, whose requests create an order as the
user who sent them: ``user`` is that order's ``created_by``, and the row replays as before
(the fingerprint is unchanged). A row that names no order (an ``in_flight`` claim, whose
request committed nothing: the work and the ``done`` update commit together) or whose
order has no creator is deleted: a retry with its key is processed afresh, and the
intake's ``UNIQUE (store, channel, external_ref)`` still answers an order already made.
``UNIQUE (store, key)`` becomes ``UNIQUE (store, user, key)``.
"""
from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

BACKFILL = """
UPDATE orders_idempotencykey k SET user_id = o.created_by_id
  FROM orders_order o
 WHERE o.id = k.order_id AND k.user_id IS NULL;
DELETE FROM orders_idempotencykey WHERE user_id IS NULL;
-- fire the deferred foreign-key checks of the UPDATE now: ALTER TABLE refuses a table
-- with pending trigger events
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
"""


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('orders', '0008_orderitem_rate_source'),
    ]

    operations = [
        migrations.AddField(
            model_name='idempotencykey',
            name='user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='idempotencykey',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RemoveConstraint(
            model_name='idempotencykey',
            name='idempotencykey_unique_per_store',
        ),
        migrations.AddConstraint(
            model_name='idempotencykey',
            constraint=models.UniqueConstraint(fields=('store', 'user', 'key'), name='idempotencykey_unique_per_principal'),
        ),
    ]
