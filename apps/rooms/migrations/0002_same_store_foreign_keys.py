"""Composite foreign keys that make "a row's room (type) is in the row's store" a
database fact, not a hope: Django has no composite FKs, so they are plain SQL."""
from django.db import migrations

FKS = [
    ("rooms_room", "room_room_type_same_store", "room_type_id, store_id", "rooms_roomtype"),
    ("rooms_roomnight", "roomnight_room_same_store", "room_id, store_id", "rooms_room"),
    ("rooms_roomlock", "roomlock_room_same_store", "room_id, store_id", "rooms_room"),
    ("rooms_roomtypenight", "roomtypenight_type_same_store", "room_type_id, store_id", "rooms_roomtype"),
]


class Migration(migrations.Migration):
    dependencies = [("rooms", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({cols}) REFERENCES {target} (id, store_id) DEFERRABLE INITIALLY IMMEDIATE",
            reverse_sql=f"ALTER TABLE {table} DROP CONSTRAINT {name}",
        )
        for table, name, cols, target in FKS
    ]
