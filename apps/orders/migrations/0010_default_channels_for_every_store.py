"""Every store has the default channels (a channel manager's first order to a store that
had none was refused with ``channel_unknown``; new stores get them from ``store_create``).

A store that has no channel at all gets the defaults; a store with channels is left as
its staff made it (the desk adds a missing default when it needs one). The list is
copied here as it was: a migration does not follow later edits of the service.
"""
from django.db import migrations

DEFAULT_CHANNELS = [
    ("direct", "直订", "direct"),
    ("walk_in", "散客", "walk_in"),
    ("phone", "电话预订", "phone"),
    ("ctrip", "携程", "ota"),
    ("meituan", "美团", "ota"),
    ("fliggy", "飞猪", "ota"),
    ("mall", "商城", "mall"),
]


def backfill(apps, schema_editor):
    Store = apps.get_model("tenancy", "Store")
    Channel = apps.get_model("orders", "Channel")
    bare = Store.objects.exclude(pk__in=Channel.objects.values("store_id"))
    Channel.objects.bulk_create(
        [
            Channel(store=store, code=code, name=name, channel_type=kind, sort_order=i)
            for store in bare
            for i, (code, name, kind) in enumerate(DEFAULT_CHANNELS)
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0009_idempotency_per_principal"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
