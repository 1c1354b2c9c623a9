"""The printable folio: one HTML page with print CSS, in zh-Hans or English."""
from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from apps.folios.models import Folio, FolioTransaction
from apps.tenancy.models import Store

PostsTo = FolioTransaction.PostsTo
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def print_language(request, requested: str | None) -> str:
    """``requested`` (``?lang=``) if given, else the request's language (Accept-Language,
    the language cookie), else zh-Hans."""
    if requested in LANGUAGES:
        return requested
    language = translation.get_language_from_request(request)
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def _columns(tx: FolioTransaction) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(charges, credits, deposits) as the row changes them; reversals carry their minus
    sign, a refund is a negative credit (money given back)."""
    if tx.posts_to == PostsTo.CHARGES:
        return tx.amount, None, None
    if tx.posts_to in (PostsTo.DISCOUNTS, PostsTo.PAYMENTS):
        return None, tx.amount, None
    if tx.posts_to == PostsTo.REFUNDS:
        return None, -tx.amount, None
    if tx.posts_to == PostsTo.DEPOSITS:
        return None, None, tx.amount
    return None, None, -tx.amount  # a deposit returned lowers what is held


def folio_print_html(*, folio: Folio, store: Store, language: str) -> str:
    """``folio`` as given by ``selectors.folio_get`` (ledger and events loaded)."""
    zone = ZoneInfo(store.time_zone or "Asia/Shanghai")
    rows = []
    for tx in folio.ledger:
        charges, credits, deposits = _columns(tx)
        rows.append({
            "tx": tx, "day": tx.business_date, "charges": charges, "credits": credits,
            "deposits": deposits, "void": getattr(tx, "taken_back", None) is not None,
        })
    order = folio.order
    context = {
        "folio": folio, "order": order, "store": store, "rows": rows,
        "room_number": order.room.number if order.room_id else "",
        "printed_at": timezone.localtime(timezone.now(), zone),
        "credits_total": folio.total_discounts + folio.total_payments - folio.total_refunds,
    }
    with translation.override(language):
        context["language"] = language
        return render_to_string("folios/print.html", context)
