"""The store's payment methods and extra-charge catalogue."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.common.money import quantize
from apps.folios.error_codes import FolioErrorCode as Code
from apps.folios.models import ExtraChargeItem, PaymentMethod
from apps.folios.services.recipe import _invalid
from apps.tenancy.models import Store

DEFAULT_PAYMENT_METHODS = [
    # (name, type)
    ("现金", PaymentMethod.Type.CASH),
    ("微信支付", PaymentMethod.Type.WECHAT),
    ("支付宝", PaymentMethod.Type.ALIPAY),
    ("银行卡", PaymentMethod.Type.BANK_CARD),
    ("OTA预付", PaymentMethod.Type.OTA_PREPAID),
    ("其他", PaymentMethod.Type.OTHER),
]


def payment_methods_ensure(*, store: Store) -> list[PaymentMethod]:
    """Create the default payment methods the store lacks (idempotent, safe under concurrency)."""
    PaymentMethod.objects.bulk_create(
        [PaymentMethod(store=store, name=name, method_type=kind, sort_order=i) for i, (name, kind) in enumerate(DEFAULT_PAYMENT_METHODS)],
        ignore_conflicts=True,
    )
    return list(PaymentMethod.objects.filter(store=store))


_METHOD_FIELDS = {"name", "method_type", "details", "is_active", "sort_order"}


_ITEM_FIELDS = {"name", "default_price", "category", "is_taxable", "description", "is_active", "sort_order"}


def _save_unique(obj, fields: list[str] | None, code: str, message: str) -> None:
    try:
        with transaction.atomic():
            obj.save(update_fields=fields)
    except IntegrityError as exc:
        if "_name_unique_per_store" in str(exc):
            raise _invalid(code, message, "name") from exc
        raise


def payment_method_create(*, store: Store, name: str, method_type: str, details: dict | None = None, is_active: bool = True,
                          sort_order: int = 0) -> PaymentMethod:
    method = PaymentMethod(store=store, name=name.strip(), method_type=method_type, details=details or {}, is_active=is_active,
                           sort_order=sort_order)
    _save_unique(method, None, Code.PAYMENT_METHOD_NAME_TAKEN, _("Another payment method has this name."))
    return method


def payment_method_update(*, method: PaymentMethod, **values: Any) -> PaymentMethod:
    unknown = set(values) - _METHOD_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for key, value in values.items():
        setattr(method, key, value.strip() if key == "name" else value)
    _save_unique(method, list(values) or None, Code.PAYMENT_METHOD_NAME_TAKEN, _("Another payment method has this name."))
    return method


def extra_item_create(*, store: Store, name: str, default_price: Decimal, category: str = ExtraChargeItem.Category.OTHER,
                      is_taxable: bool = True, description: str = "", is_active: bool = True, sort_order: int = 0) -> ExtraChargeItem:
    item = ExtraChargeItem(
        store=store, name=name.strip(), default_price=quantize(default_price, store.currency), category=category,
        is_taxable=is_taxable, description=description, is_active=is_active, sort_order=sort_order,
    )
    _save_unique(item, None, Code.EXTRA_ITEM_NAME_TAKEN, _("Another extra-charge item has this name."))
    return item


def extra_item_update(*, item: ExtraChargeItem, **values: Any) -> ExtraChargeItem:
    unknown = set(values) - _ITEM_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for key, value in values.items():
        if key == "default_price":
            value = quantize(value)
        setattr(item, key, value.strip() if key == "name" else value)
    _save_unique(item, list(values) or None, Code.EXTRA_ITEM_NAME_TAKEN, _("Another extra-charge item has this name."))
    return item
