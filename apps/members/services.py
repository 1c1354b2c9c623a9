"""Writes of members: enrolment, levels, stored value (储值), points, counted stays, the
blacklist. docs/members.md.

Lock order, as everywhere money moves: **orders, then folios (through folios' services),
then the member row**. A spend or a redemption posts the folio payment first (folios lock
the order and the folio), then locks the member and writes its ledger row; a top-up, a
refund or an expiry locks the member only. Every write of a member's ledgers holds the
member's row lock, so the balances it reads are the ones its row is checked against; the
CHECKs on the balances (kept by the ledgers' triggers) are what makes "never negative"
true whatever path wrote the row.
"""
from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.common.money import MAX_POSTING, quantize
from apps.contacts.models import Contact
from apps.folios.models import Folio, FolioTransaction, PaymentMethod
from apps.folios.selectors import folio_room_revenue
from apps.folios.services import folio_post_payment, folio_transaction_void, payment_method_create
from apps.members.error_codes import MemberErrorCode as Code
from apps.members.models import (
    BlacklistEntry,
    LevelChange,
    Member,
    MemberLevel,
    MemberProgram,
    MemberStay,
    PointsEntry,
    StoredValueEntry,
    StoredValuePocket,
)
from apps.members.selectors import member_for_contacts, member_for_order
from apps.orders.models import Order
from apps.tenancy.business_day import business_date
from apps.tenancy.models import Store

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
SV = StoredValueEntry.Kind
PT = PointsEntry.Kind

# The methods a store takes stored value and points by on a folio (created on first use).
MEMBER_METHODS = {
    PaymentMethod.Type.STORED_VALUE: "会员储值",
    PaymentMethod.Type.POINTS: "会员积分",
}


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _invalid(code: str, message: str, field: str) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {field: [message]}})


def _amount(value, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    try:
        amount = quantize(Decimal(value))
    except (ArithmeticError, TypeError, ValueError):
        raise _invalid(Code.AMOUNT_INVALID, _("Enter an amount."), field) from None
    if amount < 0 or (amount == 0 and not allow_zero) or amount > MAX_POSTING:
        raise _invalid(Code.AMOUNT_INVALID, _("Enter an amount above zero and at most %(max)s.") % {"max": MAX_POSTING}, field)
    return amount


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(Code.REASON_REQUIRED, _("Say why."), "reason")
    return reason


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().select_related("level", "contact").get(pk=member.pk)


def _after_commit(event: str, **fields: Any) -> None:
    transaction.on_commit(lambda: logger.info(event, extra=fields))


# --- programme and levels ----------------------------------------------------------------------


def program_get() -> MemberProgram:
    program, _created = MemberProgram.objects.get_or_create(pk=1)
    return program


def program_update(*, period_months: int | None = None, points_expiry_days: int | None = None,
                   point_value: Decimal | None = None) -> MemberProgram:
    program = program_get()
    for key, value in (("period_months", period_months), ("points_expiry_days", points_expiry_days),
                       ("point_value", point_value)):
        if value is not None:
            setattr(program, key, value)
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError as exc:
        raise _invalid(Code.LEVEL_INVALID, _("Check the programme's values."), "program") from exc
    return program


def levels_ensure() -> MemberLevel:
    """The base level (rank 0), where every member starts: created on first use."""
    level = MemberLevel.objects.filter(rank=0).first()
    if level is None:
        MemberLevel.objects.bulk_create([MemberLevel(name="普通会员", rank=0, points_rate=Decimal("1.00"))], ignore_conflicts=True)
        level = MemberLevel.objects.get(rank=0)
    return level


_LEVEL_FIELDS = ("name", "rank", "discount_percent", "points_rate", "upgrade_nights", "upgrade_spend")


def _save_level(level: MemberLevel) -> MemberLevel:
    level.name = (level.name or "").strip()
    if not level.name:
        raise _invalid(Code.LEVEL_INVALID, _("Name the level."), "name")
    try:
        with transaction.atomic():
            level.full_clean(exclude=["created_at"], validate_unique=False, validate_constraints=False)
            level.save()
    except IntegrityError as exc:
        if "memberlevel_name_unique" in str(exc):
            raise _invalid(Code.LEVEL_NAME_TAKEN, _("Another level has this name."), "name") from exc
        if "memberlevel_rank_unique" in str(exc):
            raise _invalid(Code.LEVEL_RANK_TAKEN, _("Another level has this rank."), "rank") from exc
        raise _invalid(Code.LEVEL_INVALID, _("Check the level's values."), "level") from exc
    except ValidationError as exc:  # from full_clean: a value out of its field's range
        field = next(iter(getattr(exc, "message_dict", {}) or {"level": None}))
        raise _invalid(Code.LEVEL_INVALID, _("Check the level's values."), field) from exc
    return level


def level_create(**values: Any) -> MemberLevel:
    unknown = set(values) - set(_LEVEL_FIELDS)
    if unknown:
        raise TypeError(f"not a level field: {sorted(unknown)}")
    return _save_level(MemberLevel(**values))


def level_update(*, level: MemberLevel, **values: Any) -> MemberLevel:
    unknown = set(values) - set(_LEVEL_FIELDS)
    if unknown:
        raise TypeError(f"not a level field: {sorted(unknown)}")
    if level.rank == 0 and values.get("rank", 0) != 0:
        raise _invalid(Code.LEVEL_INVALID, _("The base level keeps rank 0."), "rank")
    for key, value in values.items():
        setattr(level, key, value)
    return _save_level(level)


# --- enrolment -------------------------------------------------------------------------------


@transaction.atomic
def member_enroll(*, contact: Contact, actor, notes: str = "") -> Member:
    """Enrol the contact as a member of the tenant, at the base level, its period starting
    today (the store's business date). One member per person across the stores: a member
    whose profile has this phone (blind index) or is this profile is ``already_member``
    (409, with its id). A member needs a name and a phone (``member_not_named``)."""
    if contact.status != Contact.Status.ACTIVE:
        raise DomainError(Code.CONTACT_ERASED, _("This profile was erased."))
    if not contact.full_name.strip() or not contact.phone_blind_index:
        raise _invalid(Code.MEMBER_NOT_NAMED, _("A member needs a real name and a phone number."), "contact")
    # Two clerks enrolling the same person at two stores: one wins, the other sees it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 23))", [f"member:{contact.phone_blind_index}"])
    existing = member_for_contacts(contacts=[contact])
    if existing is not None:
        raise DomainError(Code.ALREADY_MEMBER, _("This guest is already a member."), extra={"member_id": existing.pk})
    base = levels_ensure()
    today = business_date(store=contact.store)
    member = Member.objects.create(
        contact=contact, home_store=contact.store, level=base, period_start=today, notes=notes, created_by=_user(actor),
    )
    LevelChange.objects.create(member=member, kind=LevelChange.Kind.ENROLLED, to_level=base, on=today, actor=_user(actor))
    _after_commit("member.enrolled", member_id=member.pk, store_id=contact.store_id)
    return member


# --- payment methods -----------------------------------------------------------------------------


def member_payment_method(*, store: Store, kind: str) -> PaymentMethod:
    """The store's stored-value or points payment method (created on first use, through folios)."""
    method = PaymentMethod.objects.filter(store=store, method_type=kind).order_by("id").first()
    if method is not None:
        return method
    try:
        with transaction.atomic():
            return payment_method_create(store=store, name=MEMBER_METHODS[kind], method_type=kind, sort_order=90)
    except DomainError:  # created meanwhile (same name)
        return PaymentMethod.objects.filter(store=store, method_type=kind).order_by("id").first()


# --- stored value ---------------------------------------------------------------------------------


@transaction.atomic
def stored_value_top_up(*, member: Member, store: Store, amount, bonus=0, payment_method: PaymentMethod, actor) -> StoredValueEntry:
    """Money paid in at ``store`` (principal) with an optional bonus (充 1000 送 100; at most
    the principal), into the member's pocket of that store. Only for a member named with
    real name and phone (``member_not_named``; the ledger's trigger refuses it too)."""
    principal = _amount(amount)
    bonus = _amount(bonus, "bonus", allow_zero=True)
    if bonus > principal:
        raise _invalid(Code.BONUS_INVALID, _("The bonus cannot exceed the amount paid in."), "bonus")
    if payment_method is None or payment_method.store_id != store.pk or not payment_method.is_active \
            or payment_method.method_type in PaymentMethod.MEMBER_TYPES:
        raise _invalid(Code.AMOUNT_INVALID, _("Choose how the money was paid."), "payment_method")
    member = _lock(member)
    contact = member.contact
    if contact.status != Contact.Status.ACTIVE or not contact.phone_encrypted or not contact.full_name.strip():
        raise _invalid(Code.MEMBER_NOT_NAMED, _("Top-ups need the member's real name and phone number."), "member")
    entry = StoredValueEntry.objects.create(
        member=member, store=store, origin_store=store, kind=SV.TOP_UP, principal=principal, bonus=bonus,
        payment_method=payment_method, actor=_user(actor),
    )
    _after_commit("member.stored_value.top_up", member_id=member.pk, store_id=store.pk, entry_id=entry.pk,
                  principal=str(principal), bonus=str(bonus))
    return entry


def _split(pockets: list[StoredValuePocket], amount: Decimal, store_id: int) -> list[tuple[StoredValuePocket, Decimal, Decimal]]:
    """How a spend of ``amount`` is drawn from the pockets: the spending store's own pocket
    first (no settlement needed), then the others by store id; within a pocket principal
    and bonus in proportion (rounded by ``apps.common.money``, the rest to principal)."""
    ordered = sorted(pockets, key=lambda p: (p.origin_store_id != store_id, p.origin_store_id))
    parts, left = [], amount
    for pocket in ordered:
        available = pocket.principal + pocket.bonus
        if left <= 0 or available <= 0:
            continue
        take = min(left, available)
        bonus = quantize(take * pocket.bonus / available)
        bonus = min(max(bonus, take - pocket.principal), pocket.bonus)
        parts.append((pocket, take - bonus, bonus))
        left -= take
    return parts


@dataclass(frozen=True)
class FolioPaid:
    """A folio payment by stored value or points, with the member's ledger rows."""

    transaction: FolioTransaction
    entries: list


@transaction.atomic
def stored_value_spend(*, member: Member, folio: Folio, amount, actor) -> FolioPaid:
    """Pay ``amount`` of the member's stored value on a folio of the tenant: a folio payment
    (method 会员储值 of the folio's store, through folios' service, so the folio and its
    order move as for any payment) and the member's spend rows (one per pocket drawn), in
    one transaction. More than the balance is ``stored_value_insufficient`` and nothing is
    written; the balance's CHECK makes it true under concurrency."""
    amount = _amount(amount)
    method = member_payment_method(store=folio.store, kind=PaymentMethod.Type.STORED_VALUE)
    tx = folio_post_payment(folio=folio, actor=actor, amount=amount, payment_method=method, member_service=True,
                            description=_("Stored value of member %(id)s") % {"id": member.pk})
    member = _lock(member)
    if member.stored_value < amount:
        raise DomainError(
            Code.STORED_VALUE_INSUFFICIENT, _("The member's stored value is %(balance)s.") % {"balance": member.stored_value},
            extra={"stored_value": str(member.stored_value)},
        )
    pockets = list(StoredValuePocket.objects.filter(member=member))
    entries = [
        StoredValueEntry.objects.create(
            member=member, store_id=folio.store_id, origin_store_id=pocket.origin_store_id, kind=SV.SPEND,
            principal=-principal, bonus=-bonus, folio_transaction=tx, actor=_user(actor),
        )
        for pocket, principal, bonus in _split(pockets, amount, folio.store_id)
    ]
    _after_commit("member.stored_value.spent", member_id=member.pk, folio_id=folio.pk, transaction_id=tx.pk, amount=str(amount))
    return FolioPaid(tx, entries)


@transaction.atomic
def member_payment_void(*, tx: FolioTransaction, actor, reason: str) -> FolioPaid:
    """Void a stored-value or points payment of a folio: the folio's reversal (through
    folios) and the member's value back (``spend_void`` / ``redeem_void`` rows referencing
    the spend), in one transaction. A void of a void is refused by folios."""
    reason = _reason(reason)
    original = FolioTransaction.objects.select_related("payment_method").get(pk=tx.pk)
    if original.transaction_type != FolioTransaction.Type.PAYMENT or original.payment_method is None \
            or original.payment_method.method_type not in PaymentMethod.MEMBER_TYPES:
        raise DomainError(Code.NOT_A_MEMBER_PAYMENT, _("This is not a stored-value or points payment."))
    reversal = folio_transaction_void(tx=original, actor=actor, reason=reason, member_service=True)
    if original.payment_method.method_type == PaymentMethod.Type.STORED_VALUE:
        spends = list(StoredValueEntry.objects.filter(folio_transaction=original, kind=SV.SPEND).order_by("id"))
        member = _lock(spends[0].member)
        entries = [
            StoredValueEntry.objects.create(
                member=member, store_id=original.store_id, origin_store_id=s.origin_store_id, kind=SV.SPEND_VOID,
                principal=-s.principal, bonus=-s.bonus, folio_transaction=reversal, reverses=s, reason=reason,
                actor=_user(actor),
            )
            for s in spends
        ]
    else:
        redeem = PointsEntry.objects.get(folio_transaction=original, kind=PT.REDEEM)
        member = _lock(redeem.member)
        entries = [PointsEntry.objects.create(
            member=member, store_id=original.store_id, kind=PT.REDEEM_VOID, points=-redeem.points,
            folio_transaction=reversal, reverses=redeem, reason=reason, actor=_user(actor),
        )]
    _after_commit("member.payment_voided", member_id=member.pk, transaction_id=original.pk, reversal_id=reversal.pk)
    return FolioPaid(reversal, entries)


@transaction.atomic
def stored_value_refund(*, member: Member, store: Store, payment_method: PaymentMethod, actor, reason: str) -> list[StoredValueEntry]:
    """Give the member's stored value back: the principal left in every pocket is paid out
    (``refund`` rows, by ``payment_method`` at ``store``), the bonus left is forfeited
    (``bonus_forfeit`` rows): refunds return principal only. ``stored_value_empty`` if
    nothing is left."""
    reason = _reason(reason)
    if payment_method is None or payment_method.store_id != store.pk or payment_method.method_type in PaymentMethod.MEMBER_TYPES:
        raise _invalid(Code.AMOUNT_INVALID, _("Choose how the money is paid back."), "payment_method")
    member = _lock(member)
    entries = []
    for pocket in StoredValuePocket.objects.filter(member=member).order_by("origin_store_id"):
        if pocket.principal > 0:
            entries.append(StoredValueEntry(
                member=member, store=store, origin_store_id=pocket.origin_store_id, kind=SV.REFUND, principal=-pocket.principal,
                bonus=ZERO, payment_method=payment_method, reason=reason, actor=_user(actor),
            ))
        if pocket.bonus > 0:
            entries.append(StoredValueEntry(
                member=member, store=store, origin_store_id=pocket.origin_store_id, kind=SV.BONUS_FORFEIT, principal=ZERO,
                bonus=-pocket.bonus, reason=reason, actor=_user(actor),
            ))
    if not entries:
        raise DomainError(Code.STORED_VALUE_EMPTY, _("The member has no stored value to refund."))
    for entry in entries:
        entry.save()
    refunded = -sum((e.principal for e in entries), ZERO)
    _after_commit("member.stored_value.refunded", member_id=member.pk, store_id=store.pk, amount=str(refunded))
    return entries


# --- points ---------------------------------------------------------------------------------------


@transaction.atomic
def points_redeem(*, member: Member, folio: Folio, points: int, actor) -> FolioPaid:
    """Pay with points on a folio of the tenant: ``points`` x the programme's point value
    (rounded by ``apps.common.money``) as a folio payment (method 会员积分) and a
    ``redeem`` row, in one transaction. More than the balance is ``points_insufficient``."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise _invalid(Code.POINTS_INVALID, _("Enter a number of points above zero."), "points")
    amount = quantize(Decimal(points) * program_get().point_value, folio.currency)
    if amount <= 0:
        raise _invalid(Code.POINTS_INVALID, _("Too few points to pay anything."), "points")
    method = member_payment_method(store=folio.store, kind=PaymentMethod.Type.POINTS)
    tx = folio_post_payment(folio=folio, actor=actor, amount=amount, payment_method=method, member_service=True,
                            description=_("%(points)s points of member %(id)s") % {"points": points, "id": member.pk})
    member = _lock(member)
    if member.points < points:
        raise DomainError(Code.POINTS_INSUFFICIENT, _("The member has %(points)s points.") % {"points": member.points},
                          extra={"points": member.points})
    entry = PointsEntry.objects.create(member=member, store_id=folio.store_id, kind=PT.REDEEM, points=-points,
                                       folio_transaction=tx, actor=_user(actor))
    _after_commit("member.points.redeemed", member_id=member.pk, folio_id=folio.pk, points=points, amount=str(amount))
    return FolioPaid(tx, [entry])


def _points_for(revenue: Decimal, rate: Decimal) -> int:
    return int((revenue * rate).to_integral_value(rounding=ROUND_FLOOR)) if revenue > 0 else 0


@transaction.atomic
def member_stay_checked_out(*, order: Order, actor=None) -> dict[str, Any] | None:
    """Count a checked-out stay for its member (the booker's or a guest's membership):
    nights and room revenue from the folios (net of voids), points at the level's rate,
    and an upgrade if the period's stays now reach a higher level. **Once per order**:
    ``MemberStay.order`` and the points' ``UNIQUE (order) WHERE kind = 'earn'``; a retried
    check-out or audit finds it counted and returns None. Called by the desk's check-out
    in its transaction (the order row locked), and by the night audit for the day's
    check-outs (a catch-up that counts only what is missing)."""
    if order.status != Order.Status.CHECKED_OUT:
        return None
    member = member_for_order(order=order)
    if member is None or MemberStay.objects.filter(order_id=order.pk).exists():
        return None
    member = _lock(member)
    revenue, nights = folio_room_revenue(order_id=order.pk)
    revenue = max(revenue, ZERO)
    on = business_date(store=order.store)
    try:
        with transaction.atomic():
            MemberStay.objects.create(member=member, order=order, store_id=order.store_id, nights=nights,
                                      room_revenue=revenue, checked_out_on=on)
    except IntegrityError:  # counted meanwhile by a caller that did not hold the order's lock
        return None
    points = _points_for(revenue, member.level.points_rate)
    if points:
        expires = on + timedelta(days=program_get().points_expiry_days)
        PointsEntry.objects.create(member=member, store_id=order.store_id, kind=PT.EARN, points=points, order=order,
                                   expires_on=expires, actor=_user(actor))
    change = _level_check(member, on=on, order=order, actor=actor, downgrade=False)
    _after_commit("member.stay_counted", member_id=member.pk, order_id=order.pk, points=points)
    return {"member_id": member.pk, "points": points, "room_revenue": str(revenue), "nights": nights,
            "level": member.level.name, "upgraded": change is not None}


def members_count_checked_out(*, store: Store, day: date, actor=None) -> int:
    """The night audit's catch-up: count every stay of ``store`` checked out on business day
    ``day`` that no check-out counted (e.g. one checked out before the member enrolled
    that day, or by a path that did not call the desk). Idempotent; returns how many."""
    counted = 0
    orders = Order.objects.filter(store=store, status=Order.Status.CHECKED_OUT, departure__lte=day,
                                  departure__gte=day - timedelta(days=1)).order_by("pk")
    for order in orders:
        if member_stay_checked_out(order=order, actor=actor) is not None:
            counted += 1
    return counted


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def member_period_end(*, member: Member, program: MemberProgram | None = None) -> date:
    """The first day after the member's current level period."""
    return _add_months(member.period_start, (program or program_get()).period_months)


def _activity(member: Member, start: date, end: date) -> tuple[int, Decimal]:
    """Nights and room revenue of the member's stays checked out in [start, end)."""
    row = MemberStay.objects.filter(member=member, checked_out_on__gte=start, checked_out_on__lt=end).aggregate(
        nights=Sum("nights"), spend=Sum("room_revenue"))
    return row["nights"] or 0, row["spend"] or ZERO


def _level_for(nights: int, spend: Decimal) -> MemberLevel:
    reached = [level for level in MemberLevel.objects.order_by("-rank") if level.reached_by(nights=nights, spend=spend)]
    return reached[0] if reached else levels_ensure()


def _level_check(member: Member, *, on: date, order: Order | None, actor, downgrade: bool) -> LevelChange | None:
    """Upgrade the (locked) member if the stays of its period up to ``on`` reach a higher
    level; with ``downgrade`` (a period's end) set the level the period earned, lower or not."""
    end = on + timedelta(days=1) if not downgrade else on
    nights, spend = _activity(member, member.period_start, end)
    target = _level_for(nights, spend)
    data = {"nights": nights, "spend": str(spend), "period_start": member.period_start.isoformat()}
    if target.rank > member.level.rank:
        kind = LevelChange.Kind.UPGRADE
    elif downgrade and target.rank < member.level.rank:
        kind = LevelChange.Kind.DOWNGRADE
    elif downgrade:
        kind = LevelChange.Kind.KEPT
        target = member.level
    else:
        return None
    change = LevelChange.objects.create(member=member, kind=kind, from_level=member.level, to_level=target, on=on, data=data,
                                        order=order, actor=_user(actor))
    if target.pk != member.level_id:
        Member.objects.filter(pk=member.pk).update(level=target)
        member.level = target
    return change


def members_period_close(*, on: date, actor=None) -> dict[str, int]:
    """Close every level period that ended by ``on``: the level becomes the one the
    period's stays reached (a downgrade when they fell short, never below the base
    level), recorded, and the next period starts where this one ended. Idempotent (a
    closed period is not closed again); a member idle for several periods closes each.
    Run daily (Celery beat) or by the night audit."""
    program = program_get()
    counts = {"upgrade": 0, "downgrade": 0, "kept": 0}
    for member_id in Member.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            member = Member.objects.select_for_update().select_related("level").get(pk=member_id)
            while (end := member_period_end(member=member, program=program)) <= on:
                change = _level_check(member, on=end, order=None, actor=actor, downgrade=True)
                counts[change.kind] += 1
                member.period_start = end
                Member.objects.filter(pk=member.pk).update(period_start=end)
    return counts


@transaction.atomic
def points_expire(*, on: date, member: Member | None = None) -> int:
    """Expire the earned points whose day has passed (``expires_on < on``) and were not used.
    Points are used oldest first, so what is left of the expired batches is what they
    earned less everything used or expired so far; rerunning expires nothing twice.
    Returns the points expired."""
    members = Member.objects.filter(pk=member.pk) if member is not None else Member.objects.all()
    total = 0
    for member_id in members.order_by("pk").values_list("pk", flat=True):
        locked = Member.objects.select_for_update().get(pk=member_id)
        sums = PointsEntry.objects.filter(member=locked).aggregate(
            expired_earned=Sum("points", filter=Q(kind=PT.EARN, expires_on__lt=on)),
            used=Sum("points", filter=Q(kind__in=[PT.REDEEM, PT.REDEEM_VOID, PT.EXPIRE])),
        )
        due = (sums["expired_earned"] or 0) + (sums["used"] or 0)  # used is negative
        due = min(due, locked.points)
        if due > 0:
            PointsEntry.objects.create(member=locked, store_id=locked.home_store_id, kind=PT.EXPIRE, points=-due,
                                       reason=f"expired before {on.isoformat()}")
            total += due
    return total


# --- blacklist ----------------------------------------------------------------------------------


@transaction.atomic
def blacklist_add(*, contact: Contact, store: Store, reason: str, actor) -> BlacklistEntry:
    reason = _reason(reason)
    try:
        with transaction.atomic():
            entry = BlacklistEntry.objects.create(contact=contact, store=store, reason=reason, actor=_user(actor))
    except IntegrityError as exc:
        raise DomainError(Code.ALREADY_BLACKLISTED, _("This guest is already on the blacklist.")) from exc
    _after_commit("member.blacklisted", contact_id=contact.pk, store_id=store.pk, entry_id=entry.pk)
    return entry


@transaction.atomic
def blacklist_lift(*, entry: BlacklistEntry, reason: str, actor) -> BlacklistEntry:
    reason = _reason(reason)
    entry = BlacklistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.lifted_at is None:
        entry.lifted_at, entry.lifted_by, entry.lift_reason = timezone.now(), _user(actor), reason
        entry.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return entry
