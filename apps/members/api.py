"""REST endpoints of members under ``stores/<int:store_id>/`` (thin: parse, call one service
or selector, render). Members are the tenant's: any store's staff see them and act for
their store (a top-up is taken by the store of the URL, a spend pays a folio of that store).
Refunds of stored value, level settings, the figures and the settlement are for managers
(403 ``manager_only``). See docs/members.md."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import valid
from apps.common.errors import DomainValidationError, NotFoundError
from apps.common.schema import error_example, error_responses
from apps.contacts.selectors import contact_get
from apps.folios.models import Folio, FolioTransaction
from apps.folios.selectors import folio_for_update, payment_method_lookup
from apps.members import selectors, services
from apps.members.models import Member, MemberLevel
from apps.members.serializers import (
    EnrollInSerializer,
    FiguresOutSerializer,
    FiguresQuerySerializer,
    FolioPaidOutSerializer,
    LevelInSerializer,
    LevelOutSerializer,
    MemberDetailSerializer,
    MemberListFilterSerializer,
    MemberOutSerializer,
    MemberPaymentInSerializer,
    MemberPaymentVoidInSerializer,
    PointsEntryOutSerializer,
    StoredValueEntryOutSerializer,
    StoredValueRefundInSerializer,
    TopUpInSerializer,
)
from apps.orders.idempotency import idempotent
from apps.tenancy.scope import StoreScopedMixin, StoreScopedViewSet

TAG = "members"
CONFLICTS = error_responses(409, examples=[
    error_example(409, "stored_value_insufficient", "The member's stored value is 50.00."),
    error_example(409, "already_member", "This guest is already a member."),
])


def _method(store, method_id: int):
    method = payment_method_lookup(store=store, method_id=method_id)
    if method is None:
        message = _("Unknown payment method.")
        raise DomainValidationError("payment_method_unknown", message, extra={"fields": {"payment_method": [message]}})
    return method


def _member(member_id: int) -> Member:
    return selectors.member_get(member_id=member_id)


class MemberViewSet(StoreScopedViewSet):
    """Members of the tenant: list, profile, enrolment, top-ups, refunds, ledgers."""

    queryset = Member.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    manager_actions = frozenset({"refund"})

    def scope_queryset(self, queryset):  # the tenant's members, whatever store
        return queryset

    @extend_schema(parameters=[MemberListFilterSerializer], responses=MemberOutSerializer(many=True), tags=[TAG],
                   description="Newest first. `q`: a name or a member number. Phones masked.")
    def list(self, request, store_id: int):
        filters = valid(MemberListFilterSerializer, request.query_params)
        page = self.paginate_queryset(selectors.member_list(filters=filters))
        return self.get_paginated_response(MemberOutSerializer(page, many=True).data)

    @extend_schema(responses=MemberDetailSerializer, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return Response(MemberDetailSerializer(_member(pk)).data)

    @extend_schema(request=EnrollInSerializer, responses={201: MemberOutSerializer, **CONFLICTS}, tags=[TAG],
                   description="Enrol a contact of this store (name and phone required: `member_not_named`). "
                   "One member per person across the stores: 409 `already_member` with `extra.member_id`.")
    def create(self, request, store_id: int):
        data = valid(EnrollInSerializer, request.data)
        contact = contact_get(store=self.store, contact_id=data["contact"])
        member = services.member_enroll(contact=contact, actor=request.user, notes=data["notes"])
        return Response(MemberOutSerializer(_member(member.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TopUpInSerializer, responses={201: StoredValueEntryOutSerializer, **CONFLICTS}, tags=[TAG],
                   description="Stored value paid in at this store, with an optional bonus (充 1000 送 100).")
    @action(detail=True, methods=["post"], url_path="top-ups")
    @idempotent
    def top_ups(self, request, store_id: int, pk: int):
        data = valid(TopUpInSerializer, request.data)
        entry = services.stored_value_top_up(member=_member(pk), store=self.store, amount=data["amount"], bonus=data["bonus"],
                                             payment_method=_method(self.store, data["payment_method"]), actor=request.user)
        return Response(StoredValueEntryOutSerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StoredValueRefundInSerializer, responses={201: StoredValueEntryOutSerializer(many=True), **CONFLICTS},
                   tags=[TAG], description="Manager only. Pays back the principal left; the bonus left is forfeited. "
                   "409 `stored_value_empty`.")
    @action(detail=True, methods=["post"])
    @idempotent
    def refund(self, request, store_id: int, pk: int):
        data = valid(StoredValueRefundInSerializer, request.data)
        entries = services.stored_value_refund(member=_member(pk), store=self.store, actor=request.user, reason=data["reason"],
                                               payment_method=_method(self.store, data["payment_method"]))
        return Response(StoredValueEntryOutSerializer(entries, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=StoredValueEntryOutSerializer(many=True), tags=[TAG], description="Newest first.")
    @action(detail=True, methods=["get"], url_path="stored-value")
    def stored_value(self, request, store_id: int, pk: int):
        page = self.paginate_queryset(selectors.stored_value_ledger(member=_member(pk)))
        return self.get_paginated_response(StoredValueEntryOutSerializer(page, many=True).data)

    @extend_schema(responses=PointsEntryOutSerializer(many=True), tags=[TAG], description="Newest first.")
    @action(detail=True, methods=["get"])
    def points(self, request, store_id: int, pk: int):
        page = self.paginate_queryset(selectors.points_ledger(member=_member(pk)))
        return self.get_paginated_response(PointsEntryOutSerializer(page, many=True).data)


class LevelViewSet(StoreScopedViewSet):
    """The tenant's member levels. Writes: managers."""

    queryset = MemberLevel.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    pagination_class = None
    manager_actions = frozenset({"create", "partial_update"})

    def scope_queryset(self, queryset):
        return queryset

    @extend_schema(responses=LevelOutSerializer(many=True), tags=[TAG], description="The base level is created on first use.")
    def list(self, request, store_id: int):
        services.levels_ensure()
        return Response(LevelOutSerializer(selectors.level_list(), many=True).data)

    @extend_schema(request=LevelInSerializer, responses={201: LevelOutSerializer}, tags=[TAG], description="Manager only.")
    def create(self, request, store_id: int):
        data = valid(LevelInSerializer, request.data)
        return Response(LevelOutSerializer(services.level_create(**data)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LevelInSerializer(partial=True), responses={200: LevelOutSerializer}, tags=[TAG],
                   description="Manager only.")
    def partial_update(self, request, store_id: int, pk: int):
        data = valid(LevelInSerializer, request.data, partial=True)
        level = selectors.level_get(level_id=pk)
        return Response(LevelOutSerializer(services.level_update(level=level, **data)).data)


def _paid(paid) -> dict:
    folio = Folio.objects.get(pk=paid.transaction.folio_id)
    member_id = paid.entries[0].member_id
    return FolioPaidOutSerializer({"transaction": paid.transaction, "folio_balance": folio.balance,
                                   "member": _member(member_id)}).data


class FolioMemberPaymentApi(StoreScopedMixin, APIView):
    """Pay a folio of this store with a member's stored value or points."""

    @extend_schema(request=MemberPaymentInSerializer, responses={201: FolioPaidOutSerializer, **CONFLICTS}, tags=[TAG],
                   operation_id="members_folio_pay",
                   description="`method: stored_value` with `amount`, or `method: points` with `points`. The folio and its "
                   "order move as for any payment; 409 `stored_value_insufficient` / `points_insufficient` writes nothing.")
    @idempotent
    def post(self, request, store_id: int, folio_id: int):
        data = valid(MemberPaymentInSerializer, request.data)
        folio = folio_for_update(store=self.store, folio_id=folio_id)
        member = _member(data["member"])
        if data["method"] == "stored_value":
            if data["amount"] is None:
                raise DomainValidationError("invalid", _("Enter an amount."), extra={"fields": {"amount": [_("Enter an amount.")]}})
            paid = services.stored_value_spend(member=member, folio=folio, amount=data["amount"], actor=request.user)
        else:
            if data["points"] is None:
                raise DomainValidationError("invalid", _("Enter the points."), extra={"fields": {"points": [_("Enter the points.")]}})
            paid = services.points_redeem(member=member, folio=folio, points=data["points"], actor=request.user)
        return Response(_paid(paid), status=status.HTTP_201_CREATED)


class FolioMemberPaymentVoidApi(StoreScopedMixin, APIView):
    """Void a stored-value or points payment of a folio: the member gets the value back."""

    @extend_schema(request=MemberPaymentVoidInSerializer, responses={201: FolioPaidOutSerializer, **CONFLICTS}, tags=[TAG],
                   operation_id="members_folio_payment_void")
    @idempotent
    def post(self, request, store_id: int, folio_id: int, tx_id: int):
        data = valid(MemberPaymentVoidInSerializer, request.data)
        folio = folio_for_update(store=self.store, folio_id=folio_id)
        tx = FolioTransaction.objects.filter(folio=folio, pk=tx_id).first()
        if tx is None:
            raise NotFoundError("not_found", _("No such transaction on this folio."))
        paid = services.member_payment_void(tx=tx, actor=request.user, reason=data["reason"])
        return Response(_paid(paid), status=status.HTTP_201_CREATED)


def _bounds(store, query) -> tuple[datetime, datetime]:
    zone = ZoneInfo(store.time_zone)
    return (datetime.combine(query["start"], time.min, zone), datetime.combine(query["end"] + timedelta(days=1), time.min, zone))


class MemberFiguresApi(StoreScopedMixin, APIView):
    """会员统计: members by level, new members, stored-value and points liability."""

    manager_actions = frozenset({"get"})

    @extend_schema(parameters=[FiguresQuerySerializer], responses={200: FiguresOutSerializer}, tags=[TAG],
                   operation_id="members_figures", description="Manager only. Tenant-wide; `new_members` joined in "
                   "[start, end] (this store's days).")
    def get(self, request, store_id: int):
        start, end = _bounds(self.store, valid(FiguresQuerySerializer, request.query_params))
        return Response(FiguresOutSerializer(selectors.member_figures(start=start, end=end)).data)


class SettlementRowSerializer(serializers.Serializer):
    owed_by_id = serializers.IntegerField(help_text="The store that took the money.")
    owed_by = serializers.CharField()
    owed_to_id = serializers.IntegerField(help_text="The store where it was spent.")
    owed_to = serializers.CharField()
    principal = serializers.DecimalField(max_digits=12, decimal_places=2)
    bonus = serializers.DecimalField(max_digits=12, decimal_places=2)


class StoreLiabilitySerializer(serializers.Serializer):
    store_id = serializers.IntegerField()
    store = serializers.CharField()
    principal = serializers.DecimalField(max_digits=12, decimal_places=2)
    bonus = serializers.DecimalField(max_digits=12, decimal_places=2)


class SettlementOutSerializer(serializers.Serializer):
    settlement = SettlementRowSerializer(many=True)
    liability = StoreLiabilitySerializer(many=True)


class MemberSettlementApi(StoreScopedMixin, APIView):
    """Stored value between stores: what each store owes another for spends of money it
    took, and the liability each store holds now."""

    manager_actions = frozenset({"get"})

    @extend_schema(parameters=[FiguresQuerySerializer], responses={200: SettlementOutSerializer}, tags=[TAG],
                   operation_id="members_settlement", description="Manager only. Tenant-wide.")
    def get(self, request, store_id: int):
        start, end = _bounds(self.store, valid(FiguresQuerySerializer, request.query_params))
        body = {"settlement": selectors.stored_value_settlement(start=start, end=end), "liability": selectors.stored_value_by_store()}
        return Response(SettlementOutSerializer(body).data)


class BlacklistOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    name = serializers.CharField(source="contact.full_name")
    phone_masked = serializers.CharField(source="contact.phone_masked")
    store = serializers.IntegerField(source="store_id")
    reason = serializers.CharField()
    by = serializers.CharField(source="actor.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    lifted_at = serializers.DateTimeField(allow_null=True)
    lift_reason = serializers.CharField()


class BlacklistInSerializer(serializers.Serializer):
    contact = serializers.IntegerField(help_text="A contact (guest profile) of this store.")
    reason = serializers.CharField(max_length=1000)


class BlacklistLiftInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class BlacklistApi(StoreScopedMixin, APIView):
    """The tenant's blacklist (黑名单): warned at booking and check-in. Writes: managers."""

    manager_actions = frozenset({"post"})

    @extend_schema(responses={200: BlacklistOutSerializer(many=True)}, tags=[TAG], operation_id="members_blacklist_list",
                   description="Active entries, newest first. Phones masked.")
    def get(self, request, store_id: int):
        return Response(BlacklistOutSerializer(selectors.blacklist_list()[:500], many=True).data)

    @extend_schema(request=BlacklistInSerializer, responses={201: BlacklistOutSerializer, **CONFLICTS}, tags=[TAG],
                   operation_id="members_blacklist_add", description="Manager only. 409 `already_blacklisted`.")
    def post(self, request, store_id: int):
        data = valid(BlacklistInSerializer, request.data)
        contact = contact_get(store=self.store, contact_id=data["contact"])
        entry = services.blacklist_add(contact=contact, store=self.store, reason=data["reason"], actor=request.user)
        return Response(BlacklistOutSerializer(entry).data, status=status.HTTP_201_CREATED)


class BlacklistLiftApi(StoreScopedMixin, APIView):
    manager_actions = frozenset({"post"})

    @extend_schema(request=BlacklistLiftInSerializer, responses={200: BlacklistOutSerializer}, tags=[TAG],
                   operation_id="members_blacklist_lift", description="Manager only. The entry stays, lifted.")
    def post(self, request, store_id: int, entry_id: int):
        data = valid(BlacklistLiftInSerializer, request.data)
        entry = selectors.blacklist_list(active_only=False).filter(pk=entry_id).first()
        if entry is None:
            raise NotFoundError("not_found", _("No such blacklist entry."))
        return Response(BlacklistOutSerializer(services.blacklist_lift(entry=entry, reason=data["reason"], actor=request.user)).data)
