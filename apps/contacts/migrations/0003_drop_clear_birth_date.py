"""The clear birth date goes: 0002 encrypted it into ``birth_date_encrypted``."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0002_birth_date_encrypted_lookup_log'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='contact',
            name='birth_date',
        ),
    ]
