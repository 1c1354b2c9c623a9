"""Fill the orders' money from their folios (docs/folios.md, "One balance"), for data of
releases before it: a line is charged when a ledger row references it (or, for a room
night, when the primary folio holds that night's room charge); each order's
``charged_amount`` is its folios' charges less discounts; its total is that plus its lines
not charged, unless the stay was called off (cancelled, no-show); due is total less paid.
Set-based, two statements per tenant schema (the order's in one, its CHECKs hold after it). Folios owns the money behind the orders'
columns, so the backfill lives here, after both apps' schema changes."""
from django.db import migrations

BACKFILL = """
UPDATE orders_orderitem i SET posted = true
 WHERE NOT i.posted AND (
       EXISTS (SELECT 1 FROM folios_foliotransaction t WHERE t.order_item_id = i.id AND t.transaction_type = 'charge')
    OR (i.kind = 'room_night' AND EXISTS (
            SELECT 1 FROM folios_folio f JOIN folios_foliotransaction t ON t.folio_id = f.id
             WHERE f.order_id = i.order_id AND f.is_primary AND t.transaction_type = 'charge'
               AND t.charge_type = 'room_night' AND t.service_date = i.service_date)));
UPDATE orders_order o
   SET charged_amount = m.charged, paid_amount = m.paid,
       total_amount = m.charged + m.unposted, due_amount = m.charged + m.unposted - m.paid
  FROM (SELECT o2.id,
               coalesce(f.charged, 0) AS charged, coalesce(f.paid, 0) AS paid,
               CASE WHEN o2.status IN ('cancelled', 'no_show') THEN 0 ELSE coalesce(
                   (SELECT sum(i.total_price) FROM orders_orderitem i WHERE i.order_id = o2.id AND NOT i.posted), 0)
               END AS unposted
          FROM orders_order o2
          LEFT JOIN (SELECT order_id, sum(total_charges - total_discounts) AS charged,
                            sum(total_payments - total_refunds) AS paid
                       FROM folios_folio GROUP BY order_id) f ON f.order_id = o2.id) m
 WHERE m.id = o.id;
"""


class Migration(migrations.Migration):
    dependencies = [("folios", "0003_ledger_business_date"), ("orders", "0005_money_charged_and_posted")]

    operations = [migrations.RunSQL(sql=BACKFILL, reverse_sql=migrations.RunSQL.noop)]
