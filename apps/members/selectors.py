"""Reads of members: the member of a profile or a stay, lists, ledgers, the blacklist
matches the desk is warned of, and the figures (会员统计, stored value by store, the
settlement between stores) the reports read."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum

from apps.common.errors import NotFoundError
from apps.contacts.models import Contact
from apps.members.models import (
    BlacklistEntry,
    Member,
    MemberLevel,
    MemberProgram,
    PointsEntry,
    StoredValueEntry,
    StoredValuePocket,
)
from apps.orders.models import Order, OrderGuest

ZERO = Decimal("0.00")


def _person_condition(contacts: Iterable[Contact], prefix: str = "contact__") -> Q | None:
    """Profiles of the same person across the stores: the profile itself, or one with the
    same phone or document (blind indexes are the tenant's, whatever the store)."""
    ids, phones, docs = set(), set(), set()
    for c in contacts:
        ids.add(c.pk)
        if c.phone_blind_index:
            phones.add(c.phone_blind_index)
        if c.id_number_blind_index:
            docs.add((c.id_type, c.id_number_blind_index))
    if not ids:
        return None
    cond = Q(**{f"{prefix}id__in": ids})
    if phones:
        cond |= Q(**{f"{prefix}phone_blind_index__in": phones})
    for id_type, index in docs:
        cond |= Q(**{f"{prefix}id_type": id_type, f"{prefix}id_number_blind_index": index})
    return cond


def member_for_contacts(*, contacts: Iterable[Contact]) -> Member | None:
    """The member whose profile is one of ``contacts`` or has the phone of one of them."""
    contacts = list(contacts)
    ids = {c.pk for c in contacts}
    phones = {c.phone_blind_index for c in contacts if c.phone_blind_index}
    if not ids:
        return None
    cond = Q(contact_id__in=ids)
    if phones:
        cond |= Q(contact__phone_blind_index__in=phones, contact__status=Contact.Status.ACTIVE)
    return Member.objects.filter(cond).select_related("level", "contact").order_by("pk").first()


def member_for_order(*, order: Order) -> Member | None:
    """The member a stay counts for: the booker's membership (by profile or phone), else a
    guest's. One query whatever the party (the check-out's cost does not grow with it)."""
    party = Contact.objects.filter(Q(pk=order.booker_id) | Q(pk__in=OrderGuest.objects.filter(order=order).values("contact_id")))
    phones = party.exclude(phone_blind_index=None).values("phone_blind_index")
    booker_phone = Contact.objects.filter(pk=order.booker_id, phone_blind_index=OuterRef("contact__phone_blind_index"))
    return (
        Member.objects.filter(Q(contact__in=party.values("pk"))
                              | Q(contact__phone_blind_index__in=phones, contact__status=Contact.Status.ACTIVE))
        .annotate(is_booker=ExpressionWrapper(Q(contact_id=order.booker_id) | Exists(booker_phone), output_field=BooleanField()))
        .select_related("level", "contact").order_by("-is_booker", "pk").first()
    )


def member_get(*, member_id: int) -> Member:
    try:
        return Member.objects.select_related("level", "contact", "home_store").get(pk=member_id)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("not_found", "No such member.") from None


def member_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Member]:
    """Members of the tenant, newest first; ``level`` (id), ``q`` (name, or a member number)."""
    filters = filters or {}
    qs = Member.objects.select_related("level", "contact", "home_store").order_by("-id")
    if filters.get("level"):
        qs = qs.filter(level_id=filters["level"])
    q = (filters.get("q") or "").strip()
    if q:
        cond = Q(contact__full_name__icontains=q)
        if q.lstrip("Mm").isdigit():
            cond |= Q(pk=int(q.lstrip("Mm")))
        qs = qs.filter(cond)
    return qs


def level_list() -> QuerySet[MemberLevel]:
    return MemberLevel.objects.order_by("rank")


def level_get(*, level_id: int) -> MemberLevel:
    try:
        return MemberLevel.objects.get(pk=level_id)
    except (MemberLevel.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("not_found", "No such level.") from None


def program_read() -> MemberProgram:
    return MemberProgram.objects.filter(pk=1).first() or MemberProgram(pk=1)


def stored_value_ledger(*, member: Member) -> QuerySet[StoredValueEntry]:
    return StoredValueEntry.objects.filter(member=member).select_related("store", "origin_store", "actor").order_by("-id")


def points_ledger(*, member: Member) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(member=member).select_related("store", "order").order_by("-id")


def stored_value_reconcile(*, member: Member | None = None) -> dict[str, Any]:
    """The members' balances and pockets against the sums of their ledger rows: ``diff`` is
    the sum of absolute differences (``0.00`` when they agree)."""
    members = Member.objects.all() if member is None else Member.objects.filter(pk=member.pk)
    diff = ZERO
    sums = {
        m: (p or ZERO, b or ZERO)
        for m, p, b in StoredValueEntry.objects.filter(member__in=members).values("member_id")
        .annotate(p=Sum("principal"), b=Sum("bonus")).values_list("member_id", "p", "b")
    }
    points = dict(PointsEntry.objects.filter(member__in=members).values("member_id").annotate(n=Sum("points"))
                  .values_list("member_id", "n"))
    for m in members:
        p, b = sums.get(m.pk, (ZERO, ZERO))
        diff += abs(m.sv_principal - p) + abs(m.sv_bonus - b) + abs(Decimal(m.points - (points.get(m.pk) or 0)))
    pocket_sums = {
        (m, s): (p or ZERO, b or ZERO)
        for m, s, p, b in StoredValueEntry.objects.filter(member__in=members).values("member_id", "origin_store_id")
        .annotate(p=Sum("principal"), b=Sum("bonus")).values_list("member_id", "origin_store_id", "p", "b")
    }
    for pocket in StoredValuePocket.objects.filter(member__in=members):
        p, b = pocket_sums.pop((pocket.member_id, pocket.origin_store_id), (ZERO, ZERO))
        diff += abs(pocket.principal - p) + abs(pocket.bonus - b)
    diff += sum((abs(p) + abs(b) for p, b in pocket_sums.values()), ZERO)
    return {"diff": diff}


# --- blacklist ---------------------------------------------------------------------------------


def blacklist_matches(*, contacts: Iterable[Contact]) -> list[BlacklistEntry]:
    """Active blacklist entries for the same person as any of ``contacts`` (profile, phone or
    document, across the stores): what the desk is warned of at booking and check-in."""
    cond = _person_condition(contacts)
    if cond is None:
        return []
    return list(BlacklistEntry.objects.filter(BlacklistEntry.ACTIVE).filter(cond).select_related("contact", "store", "actor"))


def blacklist_for_order(*, order: Order) -> list[BlacklistEntry]:
    ids = set(OrderGuest.objects.filter(order=order).values_list("contact_id", flat=True))
    if order.booker_id:
        ids.add(order.booker_id)
    return blacklist_matches(contacts=Contact.objects.filter(pk__in=ids))


def blacklist_list(*, active_only: bool = True) -> QuerySet[BlacklistEntry]:
    qs = BlacklistEntry.objects.select_related("contact", "store", "actor").order_by("-id")
    return qs.filter(BlacklistEntry.ACTIVE) if active_only else qs


# --- figures (会员统计), for the reports ------------------------------------------------------------


def member_figures(*, start: datetime, end: datetime) -> dict[str, Any]:
    """会员统计: members by level, members who joined in [start, end), the stored-value
    liability (principal and bonus still held) and the points liability (points
    outstanding and what they would pay at the programme's point value). Four queries."""
    by_level = [
        {"id": i, "name": name, "rank": rank, "members": n}
        for i, name, rank, n in MemberLevel.objects.order_by("rank").annotate(n=Count("members"))
        .values_list("id", "name", "rank", "n")
    ]
    new_members = Member.objects.filter(created_at__gte=start, created_at__lt=end).count()
    totals = Member.objects.aggregate(principal=Sum("sv_principal"), bonus=Sum("sv_bonus"), points=Sum("points"),
                                      members=Count("id"))
    points = totals["points"] or 0
    value = program_read().point_value
    return {
        "members": totals["members"],
        "by_level": by_level,
        "new_members": new_members,
        "stored_value_principal": totals["principal"] or ZERO,
        "stored_value_bonus": totals["bonus"] or ZERO,
        "points_outstanding": points,
        "points_value": (Decimal(points) * value).quantize(Decimal("0.01")),
    }


def stored_value_by_store() -> list[dict[str, Any]]:
    """Per store: the stored value it took and still owes its members (principal and bonus
    in its pockets): the outstanding liability of each store (单用途商业预付卡 reporting)."""
    rows = (StoredValuePocket.objects.values("origin_store_id", "origin_store__name")
            .annotate(principal=Sum("principal"), bonus=Sum("bonus")).order_by("origin_store_id"))
    return [{"store_id": r["origin_store_id"], "store": r["origin_store__name"], "principal": r["principal"] or ZERO,
             "bonus": r["bonus"] or ZERO} for r in rows]


def stored_value_settlement(*, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Settlement between stores for [start, end): for each pair, the stored value a store
    took (``owed_by``, the origin of the money) that another store served (``owed_to``, where
    it was spent), net of voided spends; principal (money the member paid) apart from bonus
    (given by the origin store). The origin store owes the principal to the serving store."""
    rows = (
        StoredValueEntry.objects.filter(kind__in=[StoredValueEntry.Kind.SPEND, StoredValueEntry.Kind.SPEND_VOID],
                                        created_at__gte=start, created_at__lt=end)
        .exclude(store_id=F("origin_store_id"))
        .values("origin_store_id", "origin_store__name", "store_id", "store__name")
        .annotate(principal=Sum("principal"), bonus=Sum("bonus"))
        .order_by("origin_store_id", "store_id")
    )
    return [
        {"owed_by_id": r["origin_store_id"], "owed_by": r["origin_store__name"], "owed_to_id": r["store_id"],
         "owed_to": r["store__name"], "principal": -(r["principal"] or ZERO), "bonus": -(r["bonus"] or ZERO)}
        for r in rows if (r["principal"] or r["bonus"])
    ]
