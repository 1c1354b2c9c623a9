"""REST endpoints of folios under ``stores/<int:store_id>/`` (thin: parse, call one service
or selector, render). Anyone working in the store runs the folio (charges, payments,
deposits, refunds, voids, moves); discounts and writes of payment methods and of the
extra-charge catalogue are for managers (403 ``manager_only``). See docs/folios.md."""
from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer, StaticHTMLRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.common.api import refuse_blank_query
from apps.common.errors import DomainValidationError
from apps.common.schema import error_example, error_responses
from apps.folios import selectors, services
from apps.folios.error_codes import FolioErrorCode
from apps.folios.models import ExtraChargeItem, Folio, PaymentMethod
from apps.folios.printing import folio_print_html, print_language
from apps.folios.serializers import (
    ChargeInSerializer,
    DepositReturnInSerializer,
    DiscountInSerializer,
    ExtraItemInSerializer,
    ExtraItemOutSerializer,
    FolioDetailSerializer,
    FolioFilterSerializer,
    FolioOpenInSerializer,
    FolioSummarySerializer,
    MoneyInSerializer,
    MoveInSerializer,
    MoveOutSerializer,
    PaymentMethodInSerializer,
    PaymentMethodOutSerializer,
    PostingOutSerializer,
    PrintQuerySerializer,
    RefundInSerializer,
    VoidInSerializer,
)
from apps.orders.idempotency import idempotent
from apps.orders.selectors import order_for_update
from apps.tenancy.scope import StoreScopedMixin, StoreScopedViewSet

TAG = "folios"
ERRORS = {
    400: OpenApiResponse(description="Invalid input (`invalid`, `amount_invalid`, `payment_method_unknown`, `reason_required`, ...)."),
    404: OpenApiResponse(description="No such folio (or transaction) in this store."),
    409: OpenApiResponse(
        description="Refused by a ledger rule: `folio_closed`, `refund_exceeds_paid`, `deposit_return_exceeds_held`, "
        "`discount_exceeds_charges`, `already_voided`, `already_moved`, `not_voidable`, `payment_already_refunded`, ..."
    ),
}
TX_ID = OpenApiParameter("tx_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Ledger row id (of this folio).")


def _valid(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    refuse_blank_query(serializer, data)  # ?lang= is a 400, as the schema says (docs/api.md, "Formats")
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _unknown(code: str, field: str, message: str) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {field: [message]}})


class FolioViewSet(StoreScopedViewSet):
    """Folios of the store: list, detail (with the ledger), one action per kind of posting,
    void and move of a ledger row, and a printable folio."""

    queryset = Folio.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    manager_actions = frozenset({"discounts"})

    def _folio(self, pk: int) -> Folio:
        return selectors.folio_for_update(store=self.store, folio_id=pk)

    def _method(self, method_id: int) -> PaymentMethod:
        method = selectors.payment_method_lookup(store=self.store, method_id=method_id)
        if method is None:
            raise _unknown(FolioErrorCode.PAYMENT_METHOD_UNKNOWN, "payment_method", _("Unknown payment method."))
        return method

    def _posted(self, tx, code=status.HTTP_201_CREATED) -> Response:
        # The new row as the service wrote it (a posted row never changes); the folio's
        # totals as the ledger trigger left them (one query).
        tx.taken_back = None
        body = {"transaction": tx, "folio": selectors.folio_summary(folio_id=tx.folio_id)}
        return Response(PostingOutSerializer(body).data, status=code)

    @extend_schema(parameters=[FolioFilterSerializer], responses=FolioSummarySerializer(many=True), tags=[TAG])
    def list(self, request, store_id: int):
        query = FolioFilterSerializer(data=request.query_params)
        refuse_blank_query(query, request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.folio_list(store=self.store, filters=query.to_filters()))
        return self.get_paginated_response(FolioSummarySerializer(page, many=True).data)

    @extend_schema(responses={200: FolioDetailSerializer, 404: ERRORS[404]}, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return Response(FolioDetailSerializer(selectors.folio_get(store=self.store, folio_id=pk)).data)

    @extend_schema(
        request=ChargeInSerializer, responses={201: PostingOutSerializer, **ERRORS}, tags=[TAG],
        description="Post a charge: an `extra` (from the catalogue with `extra_item`, quantity and optional price; "
        "also added to the order's extras, so the order's total includes it) or a `manual` charge. 409 `folio_closed` after check-out.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def charges(self, request, store_id: int, pk: int):
        data = _valid(ChargeInSerializer, request.data)
        item = None
        if data["extra_item"] is not None:
            item = selectors.extra_item_lookup(store=self.store, item_id=data["extra_item"])
            if item is None:
                raise _unknown(FolioErrorCode.EXTRA_ITEM_UNKNOWN, "extra_item", _("Unknown extra-charge item."))
        charge_type = data["charge_type"] or ("extra" if item is not None else "manual")
        tx = services.folio_post_charge(
            folio=self._folio(pk), actor=request.user, charge_type=charge_type, description=data["description"],
            unit_price=data["unit_price"], quantity=data["quantity"], extra_item=item, service_date=data["service_date"],
        )
        return self._posted(tx)

    @extend_schema(request=MoneyInSerializer, responses={201: PostingOutSerializer, **ERRORS}, tags=[TAG],
                   description="Record a payment by one of the store's payment methods (also on a closed folio).")
    @action(detail=True, methods=["post"])
    @idempotent
    def payments(self, request, store_id: int, pk: int):
        data = _valid(MoneyInSerializer, request.data)
        tx = services.folio_post_payment(
            folio=self._folio(pk), actor=request.user, amount=data["amount"], payment_method=self._method(data["payment_method"]),
            gateway_txn_id=data["gateway_txn_id"], description=data["description"],
        )
        return self._posted(tx)

    @extend_schema(request=MoneyInSerializer, responses={201: PostingOutSerializer, **ERRORS}, tags=[TAG],
                   description="Record a security deposit (押金) received: held, not a payment.")
    @action(detail=True, methods=["post"])
    @idempotent
    def deposits(self, request, store_id: int, pk: int):
        data = _valid(MoneyInSerializer, request.data)
        tx = services.folio_post_deposit(
            folio=self._folio(pk), actor=request.user, amount=data["amount"], payment_method=self._method(data["payment_method"]),
            gateway_txn_id=data["gateway_txn_id"], description=data["description"],
        )
        return self._posted(tx)

    @extend_schema(request=DepositReturnInSerializer, responses={201: PostingOutSerializer, **ERRORS}, tags=[TAG],
                   description="Give a held deposit back: by default all of it, by the method it came in by "
                   "(409 `deposit_return_exceeds_held` above what is held).")
    @action(detail=True, methods=["post"], url_path="deposit-returns")
    @idempotent
    def deposit_returns(self, request, store_id: int, pk: int):
        data = _valid(DepositReturnInSerializer, request.data)
        method = self._method(data["payment_method"]) if data["payment_method"] is not None else None
        tx = services.folio_post_deposit_return(
            folio=self._folio(pk), actor=request.user, amount=data["amount"], payment_method=method,
            gateway_txn_id=data["gateway_txn_id"], description=data["description"],
        )
        return self._posted(tx)

    @extend_schema(request=RefundInSerializer, responses={201: PostingOutSerializer, **ERRORS}, tags=[TAG],
                   description="Refund money paid on this folio, with a reason (409 `refund_exceeds_paid` above payments less refunds).")
    @action(detail=True, methods=["post"])
    @idempotent
    def refunds(self, request, store_id: int, pk: int):
        data = _valid(RefundInSerializer, request.data)
        tx = services.folio_post_refund(
            folio=self._folio(pk), actor=request.user, amount=data["amount"], payment_method=self._method(data["payment_method"]),
            reason=data["reason"], gateway_txn_id=data["gateway_txn_id"], description=data["description"],
        )
        return self._posted(tx)

    @extend_schema(request=DiscountInSerializer, responses={201: PostingOutSerializer, **ERRORS}, tags=[TAG],
                   description="Manager only. A discount with a reason, at most the charges less earlier discounts.")
    @action(detail=True, methods=["post"])
    @idempotent
    def discounts(self, request, store_id: int, pk: int):
        data = _valid(DiscountInSerializer, request.data)
        tx = services.folio_post_discount(
            folio=self._folio(pk), actor=request.user, amount=data["amount"], reason=data["reason"], description=data["description"],
        )
        return self._posted(tx)

    @extend_schema(request=VoidInSerializer, responses={201: PostingOutSerializer, **ERRORS}, tags=[TAG], parameters=[TX_ID],
                   description="Void a ledger row: posts a reversal (who, when, why); the row itself never changes. "
                   "409 `already_voided`, `already_moved`, `not_voidable` (a reversal or transfer_out), `payment_already_refunded`, ...")
    @action(detail=True, methods=["post"], url_path="transactions/<int:tx_id>/void")
    @idempotent
    def void(self, request, store_id: int, pk: int, tx_id: int):
        data = _valid(VoidInSerializer, request.data)
        tx = selectors.transaction_for_update(folio=self._folio(pk), tx_id=tx_id)
        reversal = services.folio_transaction_void(tx=tx, actor=request.user, reason=data["reason"])
        return self._posted(reversal)

    @extend_schema(request=MoveInSerializer, responses={201: MoveOutSerializer, **ERRORS}, tags=[TAG], parameters=[TX_ID],
                   description="Move a ledger row to another folio of the store (another room's, a company's): a transfer_out "
                   "here and a transfer_in there, both recorded with who, when and why.")
    @action(detail=True, methods=["post"], url_path="transactions/<int:tx_id>/move")
    @idempotent
    def move(self, request, store_id: int, pk: int, tx_id: int):
        data = _valid(MoveInSerializer, request.data)
        tx = selectors.transaction_for_update(folio=self._folio(pk), tx_id=tx_id)
        target = selectors.folio_lookup(store=self.store, folio_id=data["target_folio"])
        if target is None:
            raise _unknown(FolioErrorCode.MOVE_TARGET_INVALID, "target_folio", _("Unknown folio."))
        moved = services.folio_transaction_move(tx=tx, target=target, actor=request.user, reason=data["reason"])
        body = {
            "transfer_out": selectors.transaction_get(tx_id=moved.transfer_out.pk),
            "transfer_in": selectors.transaction_get(tx_id=moved.transfer_in.pk),
            "folio": selectors.folio_summary(folio_id=moved.transfer_out.folio_id),
            "target_folio": selectors.folio_summary(folio_id=moved.transfer_in.folio_id),
        }
        return Response(MoveOutSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[PrintQuerySerializer], responses={(200, "text/html"): OpenApiTypes.STR, 404: ERRORS[404]}, tags=[TAG],
        description="The folio as a print-friendly HTML page, in zh-Hans or English (`lang`, else Accept-Language).",
    )
    @action(detail=True, methods=["get"], url_path="print", renderer_classes=[StaticHTMLRenderer, JSONRenderer])
    def print_folio(self, request, store_id: int, pk: int):
        if request.query_params.get(api_settings.URL_FORMAT_OVERRIDE) == "":
            # DRF's renderer choice reads an empty ?format= as absent; the schema's enum has no ""
            raise serializers.ValidationError({api_settings.URL_FORMAT_OVERRIDE: [_("This field may not be blank.")]})
        query = _valid(PrintQuerySerializer, request.query_params)
        folio = selectors.folio_get(store=self.store, folio_id=pk)
        html = folio_print_html(folio=folio, store=self.store, language=print_language(request, query.get("lang")))
        return HttpResponse(html, content_type="text/html; charset=utf-8")


class OrderFolioApi(StoreScopedMixin, APIView):
    """The folios of one order: the primary one (opened on first use) and any further ones."""

    @extend_schema(responses={200: FolioSummarySerializer(many=True), 404: ERRORS[404]}, tags=[TAG],
                   description="The order's folios, primary first. The primary folio is opened on first use.")
    def get(self, request, store_id: int, order_id: int):
        order = order_for_update(store=self.store, order_id=order_id)
        services.folio_primary_for_order(order=order, actor=request.user)
        return Response(FolioSummarySerializer(selectors.folios_for_order(store=self.store, order_id=order_id), many=True).data)

    @extend_schema(request=FolioOpenInSerializer, responses={201: FolioSummarySerializer, **ERRORS}, tags=[TAG],
                   description="Open a further folio on the order (a company's bill, a guest's share). 409 `order_closed` after check-out.")
    @idempotent
    def post(self, request, store_id: int, order_id: int):
        data = _valid(FolioOpenInSerializer, request.data)
        folio = services.folio_open(order=order_for_update(store=self.store, order_id=order_id), actor=request.user, **data)
        return Response(FolioSummarySerializer(selectors.folio_summary(folio_id=folio.pk)).data, status=status.HTTP_201_CREATED)


PAYMENT_METHOD_ERRORS = error_responses(400, examples=[
    error_example(400, "payment_method_name_taken", "Another payment method has this name.",
                  {"fields": {"name": ["Another payment method has this name."]}}),
    error_example(400, "invalid", "Some fields are not valid.",
                  {"fields": {"details": ["A number is too large to store."]}}),
])


class PaymentMethodViewSet(StoreScopedViewSet):
    """The store's payment methods (cash, WeChat Pay, Alipay, bank card, OTA prepaid, other). Writes: managers."""

    queryset = PaymentMethod.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    pagination_class = None
    manager_actions = frozenset({"create", "partial_update"})

    @extend_schema(responses=PaymentMethodOutSerializer(many=True), tags=[TAG],
                   description="The defaults are created on first use.")
    def list(self, request, store_id: int):
        services.payment_methods_ensure(store=self.store)
        return Response(PaymentMethodOutSerializer(selectors.payment_method_list(store=self.store), many=True).data)

    @extend_schema(responses=PaymentMethodOutSerializer, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return Response(PaymentMethodOutSerializer(self.get_object()).data)

    @extend_schema(request=PaymentMethodInSerializer, responses={201: PaymentMethodOutSerializer, **PAYMENT_METHOD_ERRORS},
                   tags=[TAG], description="Manager only.")
    def create(self, request, store_id: int):
        data = _valid(PaymentMethodInSerializer, request.data)
        method = services.payment_method_create(store=self.store, **data)
        return Response(PaymentMethodOutSerializer(method).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PaymentMethodInSerializer(partial=True), responses={200: PaymentMethodOutSerializer, **PAYMENT_METHOD_ERRORS},
                   tags=[TAG], description="Manager only. Switch a method off with `is_active: false` (the ledger keeps it).")
    def partial_update(self, request, store_id: int, pk: int):
        method = self.get_object()
        data = _valid(PaymentMethodInSerializer, request.data, partial=True)
        return Response(PaymentMethodOutSerializer(services.payment_method_update(method=method, **data)).data)


class ExtraItemViewSet(StoreScopedViewSet):
    """The store's extra-charge catalogue (breakfast, minibar, laundry, ...). Writes: managers."""

    queryset = ExtraChargeItem.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    pagination_class = None
    manager_actions = frozenset({"create", "partial_update"})

    @extend_schema(responses=ExtraItemOutSerializer(many=True), tags=[TAG])
    def list(self, request, store_id: int):
        return Response(ExtraItemOutSerializer(selectors.extra_item_list(store=self.store), many=True).data)

    @extend_schema(responses=ExtraItemOutSerializer, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return Response(ExtraItemOutSerializer(self.get_object()).data)

    @extend_schema(request=ExtraItemInSerializer, responses={201: ExtraItemOutSerializer, 400: ERRORS[400]}, tags=[TAG],
                   description="Manager only.")
    def create(self, request, store_id: int):
        data = _valid(ExtraItemInSerializer, request.data)
        item = services.extra_item_create(store=self.store, **data)
        return Response(ExtraItemOutSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExtraItemInSerializer(partial=True), responses={200: ExtraItemOutSerializer, 400: ERRORS[400]},
                   tags=[TAG], description="Manager only. Switch an item off with `is_active: false`.")
    def partial_update(self, request, store_id: int, pk: int):
        item = self.get_object()
        data = _valid(ExtraItemInSerializer, request.data, partial=True)
        return Response(ExtraItemOutSerializer(services.extra_item_update(item=item, **data)).data)
