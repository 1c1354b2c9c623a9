"""Ledger rows carry the store's business date (docs/night_audit.md).

Rows posted before this migration get the night for room charges and the store-local
calendar date of ``posted_at`` otherwise (the nearest the past can tell). The ledger's
append-only trigger refuses every UPDATE, so it is switched off for the backfill only,
inside this migration's transaction (no other session can post meanwhile: ALTER TABLE
holds the table's ACCESS EXCLUSIVE lock until the commit).
"""
from django.db import migrations, models

BACKFILL = """
ALTER TABLE folios_foliotransaction DISABLE TRIGGER ledger_append_only;
UPDATE folios_foliotransaction t
   SET business_date = CASE WHEN t.charge_type = 'room_night' AND t.service_date IS NOT NULL THEN t.service_date
                            ELSE (t.posted_at AT TIME ZONE s.time_zone)::date END
  FROM tenancy_store s
 WHERE s.id = t.store_id;
ALTER TABLE folios_foliotransaction ENABLE TRIGGER ledger_append_only;
"""


class Migration(migrations.Migration):
    dependencies = [("folios", "0002_ledger_sql"), ("tenancy", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="foliotransaction", name="business_date",
            field=models.DateField(null=True, verbose_name="business date"),
        ),
        migrations.RunSQL(sql=BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="foliotransaction", name="business_date", field=models.DateField(verbose_name="business date"),
        ),
        migrations.AddIndex(
            model_name="foliotransaction",
            index=models.Index(fields=["store", "business_date"], name="ledger_store_business_date"),
        ),
        migrations.AddIndex(
            model_name="foliotransaction",
            index=models.Index(fields=["store", "posted_at"], name="ledger_store_posted_at"),
        ),
    ]
