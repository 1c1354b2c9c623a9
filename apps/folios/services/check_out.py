"""The check-out: what the stay used and no folio has charged yet is charged (the nights the
audit has not posted, a same-day stay's night, extras booked but not charged); then the
rule: the guest owes nothing on any folio and no deposit is held, or a manager overrides
with a reason; then the order's folios are closed. An overpayment is left refundable
(退款中) on the closed folio, which still takes refunds."""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import metrics
from apps.common.errors import DomainError
from apps.folios.error_codes import FolioErrorCode as Code
from apps.folios.models import Folio, FolioEvent, FolioTransaction
from apps.folios.services.folios import folio_primary_for_order
from apps.folios.services.recipe import ZERO, _money, _user, logger, order_money_sync
from apps.orders.models import Order, OrderItem
from apps.orders.selectors import unposted_lines
from apps.orders.services import order_items_posted, orders_lock
from apps.tenancy.business_day import posting_business_date
from apps.tenancy.roles import MANAGE
from apps.tenancy.scope import ManagerOnly
from apps.tenancy.selectors import store_perms_for_user


def _lock_order_folios(order: Order, *, actor) -> list[Folio]:
    """Every folio of the locked ``order``, locked, by primary key; the primary one is
    opened first if the order has none yet (rare: a stay with nothing ever posted)."""
    for _attempt in range(2):
        folios = list(Folio.objects.select_for_update().filter(order_id=order.pk).order_by("id"))
        if any(f.is_primary for f in folios):
            break
        folio_primary_for_order(order=order, actor=actor, for_check_out=True)
    return folios


def folio_check_out_guard(
    *, order: Order, actor, override_reason: str | None = None, order_locked: bool = False
) -> dict[str, Any]:
    """The check-out rule, inside the check-out's transaction: every folio of ``order`` at
    a zero balance with no deposit held, or a manager (``manage_store``) overriding with a
    reason, recorded on each folio concerned. Then the order's folios are closed. Raises
    ``folio_balance_not_zero`` / ``folio_deposit_held`` (with the amounts), or 403
    ``manager_only`` for an override by someone else. Returns what to record on the
    order's check-out event: ``{"folios": [...], "override": None | {...}}``.

    ``order_locked``: the caller (orders' check-out) has ``order`` freshly read and its row
    locked in the transaction it runs in, and a refusal rolls that transaction back; the
    order is then not locked again and no savepoint is taken. Otherwise the guard runs in
    its own transaction (a savepoint inside the caller's), the order's row locked first."""
    if order_locked:
        if not transaction.get_connection().in_atomic_block:
            raise AssertionError("folio_check_out_guard(order_locked=True) outside the transaction holding the lock")
        return _check_out_guard(order, actor=actor, override_reason=override_reason)
    with transaction.atomic():
        order = orders_lock(order_ids=[order.pk])[order.pk]
        return _check_out_guard(order, actor=actor, override_reason=override_reason)


def _charge_unposted(order: Order, folios: list[Folio], *, actor) -> list[dict[str, Any]]:
    """Charge on the primary folio the lines of the stay no folio has charged yet: the
    nights used that the audit has not posted (each night once: a night posted before,
    voided or not, is not posted again, ``ledger_one_room_night_per_night``) and extras
    booked but not charged. The order is checked out already (its stay cut to the nights
    used). Dated with the open business date. Returns what was charged."""
    primary = next(f for f in folios if f.is_primary)
    lines = [
        line for line in unposted_lines(order_ids=[order.pk])
        if line.total_price > 0 and (line.kind != OrderItem.Kind.ROOM_NIGHT or line.service_date < order.departure)
    ]
    if not lines or primary.closed_at is not None:
        return []
    day = posting_business_date(store_id=order.store_id)
    user = _user(actor)
    posted = FolioTransaction.objects.bulk_create([
        FolioTransaction(
            folio=primary, store_id=primary.store_id, currency=primary.currency, transaction_type=FolioTransaction.Type.CHARGE,
            posts_to=FolioTransaction.PostsTo.CHARGES,
            charge_type=FolioTransaction.ChargeType.ROOM_NIGHT if line.kind == OrderItem.Kind.ROOM_NIGHT
            else FolioTransaction.ChargeType.EXTRA,
            amount=line.total_price, quantity=line.quantity, unit_price=line.unit_price, description=line.description[:255],
            service_date=line.service_date, order_item_id=line.pk, actor=user, business_date=day,
        )
        for line in lines
    ], ignore_conflicts=True)  # a night posted meanwhile (unique per folio and night) stays as it was
    # ignore_conflicts: the rows are not told apart (no ids back); counted as asked
    metrics.folio_posted_on_commit(kind=FolioTransaction.Type.CHARGE, count=len(posted))
    order_items_posted(item_ids=[line.pk for line in lines])
    order_money_sync(order_ids=[order.pk])
    return [{"order_item_id": line.pk, "amount": _money(line.total_price),
             "service_date": line.service_date.isoformat() if line.service_date else None} for line in lines]


def _check_out_guard(order: Order, *, actor, override_reason: str | None) -> dict[str, Any]:

    folios = _lock_order_folios(order, actor=actor)
    charged = _charge_unposted(order, folios, actor=actor) if order.status == Order.Status.CHECKED_OUT else []
    if charged:  # the trigger moved the totals: read them again (the rows stay locked)
        folios = list(Folio.objects.filter(order_id=order.pk).order_by("id"))
    balance = sum((f.balance for f in folios), ZERO)
    held = sum((f.deposit_held for f in folios), ZERO)
    # The guest owes on a folio, or a deposit is held: refused (an overpayment is not: it is
    # left refundable on the closed folio).
    unsettled = [f for f in folios if f.balance > 0 or f.deposit_held != 0]
    summary = [{"id": f.pk, "balance": _money(f.balance), "deposit_held": _money(f.deposit_held)} for f in folios]
    override = None
    if unsettled:
        reason = (override_reason or "").strip()
        if not reason:
            extra = {"balance": _money(balance), "deposit_held": _money(held), "folios": summary}
            if any(f.balance > 0 for f in unsettled):
                owed = sum((f.balance for f in unsettled if f.balance > 0), ZERO)
                raise DomainError(
                    Code.FOLIO_BALANCE_NOT_ZERO,
                    _("The guest still owes %(balance)s: take the payment before check-out, or a manager overrides with a "
                      "reason.") % {"balance": _money(owed)},
                    extra=extra,
                )
            raise DomainError(
                Code.FOLIO_DEPOSIT_HELD,
                _("A deposit of %(held)s is still held: return it before check-out, or a manager overrides with a reason.")
                % {"held": _money(held)},
                extra=extra,
            )
        store = order.store
        if actor is None or MANAGE not in store_perms_for_user(user=actor, store=store):
            raise ManagerOnly()
        FolioEvent.objects.bulk_create([
            FolioEvent(
                folio=f, kind=FolioEvent.Kind.CHECK_OUT_OVERRIDE, actor=_user(actor), reason=reason,
                data={"balance": _money(f.balance), "deposit_held": _money(f.deposit_held), "order_id": order.pk},
            )
            for f in unsettled
        ])
        override = {"reason": reason, "balance": _money(balance), "deposit_held": _money(held), "by": actor.pk}
        logger.warning("folio.check_out_override", extra={"order_id": order.pk, "store_id": order.store_id, "balance": str(balance)})
    _close(folios, actor=actor)
    refundable = -sum((f.balance for f in folios if f.balance < 0), ZERO)
    return {"folios": summary, "override": override, "charged": charged, "refundable": _money(refundable)}


def _close(folios: list[Folio], *, actor) -> None:
    """Close the folios still open, with a ``closed`` event each."""
    now = timezone.now()
    still_open = [f for f in folios if f.closed_at is None]
    if not still_open:
        return
    user = _user(actor)
    Folio.objects.filter(pk__in=[f.pk for f in still_open]).update(closed_at=now, closed_by=user)
    FolioEvent.objects.bulk_create([FolioEvent(folio=f, kind=FolioEvent.Kind.CLOSED, actor=user, at=now) for f in still_open])
    for f in still_open:
        f.closed_at = now
