"""Composite foreign keys: an order's room type, room and channel, and an item's or
event's order, are in the row's own store. A database fact, not a hope (Django has no
composite FKs, so they are plain SQL, like apps/rooms/migrations/0002).

No FK from ``rooms_roomnight.order_id`` to ``orders_order``: see docs/orders.md
("Why no foreign key from room nights to orders")."""
from django.db import migrations

FKS = [
    ("orders_order", "order_room_type_same_store", "room_type_id, store_id", "rooms_roomtype"),
    ("orders_order", "order_room_same_store", "room_id, store_id", "rooms_room"),
    ("orders_order", "order_channel_same_store", "channel_id, store_id", "orders_channel"),
    ("orders_orderitem", "orderitem_order_same_store", "order_id, store_id", "orders_order"),
    ("orders_orderevent", "orderevent_order_same_store", "order_id, store_id", "orders_order"),
]


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({cols}) REFERENCES {target} (id, store_id) DEFERRABLE INITIALLY IMMEDIATE",
            reverse_sql=f"ALTER TABLE {table} DROP CONSTRAINT {name}",
        )
        for table, name, cols, target in FKS
    ]
