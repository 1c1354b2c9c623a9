"""Back-office pages of folios: an order's folio with its ledger, postings (extras and
charges, payments, deposits and their return, refunds, discounts), void and move of a
ledger row with a reason, further folios on the order, and the printable folio. Thin:
every write is one call to the services the REST API calls (``apps.folios.services``);
a refusal changes nothing and is shown on the form, with what was typed."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from django.views.generic import TemplateView

from apps.common.errors import DomainError, NotFoundError
from apps.folios import selectors, services
from apps.folios.models import FolioTransaction
from apps.folios.printing import folio_print_html, print_language
from apps.orders.models import Order
from apps.orders.selectors import order_for_update
from apps.tenancy.business_day import business_date
from apps.tenancy.scope import StoreScopedPageMixin

ChargeType = FolioTransaction.ChargeType
AMOUNT = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0.01")}
# Open folios offered as move targets (this order's first); a busy store has a few dozen.
MOVE_TARGETS = 200


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """A service's refusal on the form: its field errors on those fields, else at the top."""
    placed = False
    for name, errors in ((exc.extra or {}).get("fields") or {}).items():
        if name in form.fields:
            for message in errors:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


# --- forms ---------------------------------------------------------------------------------------


class ChargeForm(forms.Form):
    extra_item = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int, empty_value=None, required=False)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=255, required=False,
                                  help_text=gettext_lazy("Default: the item's name."))
    unit_price = forms.DecimalField(label=gettext_lazy("Unit price"), max_digits=10, decimal_places=2, min_value=Decimal("0"),
                                    required=False, help_text=gettext_lazy("Default: the item's price."))
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, max_value=999, initial=1)
    charge_type = forms.ChoiceField(
        label=gettext_lazy("Kind"), initial=ChargeType.EXTRA, widget=forms.RadioSelect,
        choices=[(ChargeType.EXTRA, gettext_lazy("Extra (also on the order)")), (ChargeType.MANUAL, gettext_lazy("Folio charge only"))],
    )

    def __init__(self, *args, items=(), **kwargs):
        # its own ids: the payment form on the same page has a "description" too
        kwargs.setdefault("auto_id", "id_charge-%s")
        super().__init__(*args, **kwargs)
        self.items = {i.pk: i for i in items}
        self.fields["extra_item"].choices = [("", "—")] + [(i.pk, f"{i.name} · {i.default_price}") for i in items]

    def clean(self):
        data = super().clean()
        if not data.get("extra_item") and not (data.get("description") or "").strip():
            self.add_error("description", _("Choose an item or describe the charge."))
        if not data.get("extra_item") and data.get("unit_price") is None:
            self.add_error("unit_price", _("Enter a price."))
        return data


class MoneyForm(forms.Form):
    amount = forms.DecimalField(label=pgettext_lazy("money", "Amount"), **AMOUNT)
    payment_method = forms.TypedChoiceField(label=gettext_lazy("Payment method"), coerce=int)
    gateway_txn_id = forms.CharField(label=gettext_lazy("Transaction number"), max_length=255, required=False,
                                     help_text=gettext_lazy("The payment provider's number, if any."))
    description = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.methods = {m.pk: m for m in methods}
        self.fields["payment_method"].choices = [(m.pk, m.name) for m in methods]


class RefundForm(MoneyForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)


class DiscountForm(forms.Form):
    amount = forms.DecimalField(label=pgettext_lazy("money", "Amount"), **AMOUNT)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)
    description = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)


class VoidForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)


class MoveForm(forms.Form):
    target_folio = forms.TypedChoiceField(label=gettext_lazy("To folio"), coerce=int)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_folio"].choices = targets


class OpenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False,
                           help_text=gettext_lazy("e.g. the company paying, or the guest sharing the bill."))


# --- pages ------------------------------------------------------------------------------------------


class FolioPageMixin(StoreScopedPageMixin):
    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFoundError:
            raise Http404 from None

    def folio_url(self, folio_id: int) -> str:
        return reverse("folio-detail", kwargs={"store_id": self.store.pk, "folio_id": folio_id})


class OrderFolioView(FolioPageMixin, View):
    """``orders/<order_id>/folio/``: the order's primary folio (opened on first use, as the API does)."""

    def get(self, request, store_id: int, order_id: int):
        order = order_for_update(store=self.store, order_id=order_id)
        folio = services.folio_primary_for_order(order=order, actor=request.user)
        return HttpResponseRedirect(self.folio_url(folio.pk))


class FolioDetailView(FolioPageMixin, TemplateView):
    """The folio: totals, the ledger (voids and moves shown on the rows they take back),
    and the forms to post, void, move, open another folio, print."""

    template_name = "folios/folio.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        folio = selectors.folio_get(store=self.store, folio_id=self.kwargs["folio_id"])
        methods = list(selectors.payment_method_list(store=self.store, active_only=True, desk_only=True))
        if not methods:  # a new store: the default methods, as the API's list creates them
            services.payment_methods_ensure(store=self.store)
            methods = list(selectors.payment_method_list(store=self.store, active_only=True, desk_only=True))
        items = list(selectors.extra_item_list(store=self.store, active_only=True))
        siblings = selectors.folios_for_order(store=self.store, order_id=folio.order_id)
        targets = self.move_targets(folio)
        bound = kwargs.get("bound") or {}
        context.update(
            folio=folio, order=folio.order, siblings=siblings, is_open=folio.closed_at is None,
            ledger=folio.ledger, events=folio.event_list,
            charge_form=bound.get("charge") or ChargeForm(items=items, initial={"quantity": 1, "charge_type": ChargeType.EXTRA}),
            payment_form=bound.get("payment") or MoneyForm(
                methods=methods, initial={"amount": folio.amount_due if folio.amount_due > 0 else None}),
            deposit_form=bound.get("deposit") or MoneyForm(methods=methods, prefix="deposit"),
            deposit_return_form=bound.get("deposit_return") or MoneyForm(
                methods=methods, prefix="deposit_return", initial={
                    "amount": folio.deposit_held or None,
                    "payment_method": getattr(selectors.deposit_method(folio_id=folio.pk), "pk", None) if folio.deposit_held else None,
                }),
            refund_form=bound.get("refund") or RefundForm(
                methods=methods, prefix="refund", initial={
                    "amount": -folio.amount_due if folio.amount_due < 0 else None,
                    # back the way it came: the method of the latest payment
                    "payment_method": next((tx.payment_method_id for tx in reversed(folio.ledger)
                                            if tx.transaction_type == FolioTransaction.Type.PAYMENT), None),
                }),
            discount_form=bound.get("discount") or DiscountForm(prefix="discount"),
            void_form=bound.get("void") or VoidForm(prefix="void"),
            move_form=bound.get("move") or MoveForm(prefix="move", targets=targets),
            open_form=bound.get("open") or OpenForm(prefix="open"),
            failed_tx=kwargs.get("failed_tx"), tx_errors=kwargs.get("tx_errors") or [], can_move=bool(targets),
            in_house=folio.order.status in Order.IN_HOUSE,
            today=business_date(store=self.store),  # an early check-out asks first
        )
        return context

    @staticmethod
    def folio_label(folio) -> str:
        name = folio.name or (_("Primary") if folio.is_primary else "")
        return f"F{folio.pk} {name}".strip()

    def move_targets(self, folio) -> list[tuple[int, str]]:
        """Open folios a row may move to: this order's others first, then other orders' (newest first)."""
        rows = [f for f in selectors.folio_list(store=self.store, filters={"is_closed": False})[:MOVE_TARGETS] if f.pk != folio.pk]
        rows.sort(key=lambda f: f.order_id != folio.order_id)
        return [(f.pk, f"{self.folio_label(f)} · {f.order.code} {f.order.primary_contact_name}".strip()) for f in rows]


class FolioPostView(FolioDetailView):
    """One POST per kind of posting; bad input or a refusal re-renders the folio page."""

    http_method_names = ["post"]
    kind = ""

    def post(self, request, store_id: int, folio_id: int):
        folio = selectors.folio_for_update(store=self.store, folio_id=folio_id)
        form = self.make_form()
        if form.is_valid():
            try:
                message = self.post_to(folio, form)
            except DomainError as exc:
                if exc.status == 404:
                    raise Http404 from None
                add_domain_error(form, exc)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(self.folio_url(folio_id))  # the top: the balance, not the ledger
        return self.render_to_response(self.get_context_data(bound={self.kind: form}), status=200)

    def make_form(self):
        data = self.request.POST
        if self.kind == "charge":
            return ChargeForm(data, items=list(selectors.extra_item_list(store=self.store, active_only=True)))
        if self.kind == "discount":
            return DiscountForm(data, prefix="discount")
        methods = list(selectors.payment_method_list(store=self.store, active_only=True, desk_only=True))
        if self.kind == "refund":
            return RefundForm(data, methods=methods, prefix="refund")
        return MoneyForm(data, methods=methods, prefix=None if self.kind == "payment" else self.kind)

    def post_to(self, folio, form) -> str:
        data, actor = form.cleaned_data, self.request.user
        if self.kind == "charge":
            item = form.items.get(data.get("extra_item"))
            tx = services.folio_post_charge(
                folio=folio, actor=actor, charge_type=ChargeType.EXTRA if item else data["charge_type"],
                description=data.get("description") or "", unit_price=data.get("unit_price"), quantity=data["quantity"],
                extra_item=item,
            )
            return _("Posted %(item)s x %(qty)d: %(amount)s.") % {"item": tx.description, "qty": tx.quantity, "amount": tx.amount}
        if self.kind == "discount":
            tx = services.folio_post_discount(folio=folio, actor=actor, amount=data["amount"], reason=data["reason"],
                                              description=data.get("description") or "")
            return _("Discount of %(amount)s posted.") % {"amount": tx.amount}
        money = {"folio": folio, "actor": actor, "amount": data["amount"], "payment_method": form.methods[data["payment_method"]],
                 "gateway_txn_id": data.get("gateway_txn_id") or "", "description": data.get("description") or ""}
        if self.kind == "payment":
            tx = services.folio_post_payment(**money)
            return _("Payment of %(amount)s by %(method)s recorded.") % {"amount": tx.amount, "method": tx.payment_method.name}
        if self.kind == "deposit":
            tx = services.folio_post_deposit(**money)
            return _("Deposit of %(amount)s received.") % {"amount": tx.amount}
        if self.kind == "deposit_return":
            tx = services.folio_post_deposit_return(**money)
            return _("Deposit of %(amount)s returned.") % {"amount": tx.amount}
        if self.kind == "refund":
            tx = services.folio_post_refund(reason=data["reason"], **money)
            return _("Refund of %(amount)s recorded.") % {"amount": tx.amount}
        raise AssertionError(self.kind)


class FolioDiscountView(FolioPostView):
    """Discounts are for managers (as in the API: 403 ``manager_only``)."""

    manager_only = True
    kind = "discount"


class FolioTransactionView(FolioDetailView):
    """Void a ledger row (a reversal row) or move it to another folio (a transfer pair),
    always with a reason; the row itself never changes."""

    http_method_names = ["post"]
    kind = ""

    def post(self, request, store_id: int, folio_id: int, tx_id: int):
        folio = selectors.folio_for_update(store=self.store, folio_id=folio_id)
        tx = selectors.transaction_for_update(folio=folio, tx_id=tx_id)
        if self.kind == "void":
            form = VoidForm(request.POST, prefix="void")
        else:
            form = MoveForm(request.POST, prefix="move", targets=self.move_targets(folio))
        if form.is_valid():
            try:
                if self.kind == "void":
                    services.folio_transaction_void(tx=tx, actor=request.user, reason=form.cleaned_data["reason"])
                    message = _("%(item)s voided.") % {"item": tx.description or tx.get_transaction_type_display()}
                else:
                    target = selectors.folio_lookup(store=self.store, folio_id=form.cleaned_data["target_folio"])
                    services.folio_transaction_move(tx=tx, target=target, actor=request.user, reason=form.cleaned_data["reason"])
                    message = _("%(item)s moved to F%(folio)s.") % {"item": tx.description or tx.get_transaction_type_display(), "folio": target.pk}
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(self.folio_url(folio_id))  # the top: the balance, not the ledger
        errors = [f"{form.fields[name].label}: {e}" if name in form.fields else e for name, errs in form.errors.items() for e in errs]
        return self.render_to_response(self.get_context_data(bound={self.kind: form}, failed_tx=tx.pk, tx_errors=errors), status=200)


class FolioOpenView(FolioPageMixin, View):
    """Open a further folio on the order (a company's bill, a guest's share)."""

    def post(self, request, store_id: int, order_id: int):
        form = OpenForm(request.POST, prefix="open")
        order = order_for_update(store=self.store, order_id=order_id)
        name = form.cleaned_data["name"] if form.is_valid() else ""
        try:
            folio = services.folio_open(order=order, actor=request.user, name=name)
        except DomainError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("order-folio", kwargs={"store_id": self.store.pk, "order_id": order_id}))
        messages.success(request, _("Folio F%(folio)s opened.") % {"folio": folio.pk})
        return HttpResponseRedirect(self.folio_url(folio.pk))


class FolioPrintView(StoreScopedPageMixin, View):
    """``s/<store_id>/folios/<folio_id>/print/``: the print-friendly folio (``?lang=en`` or zh-hans)."""

    def get(self, request, store_id: int, folio_id: int):
        try:
            folio = selectors.folio_get(store=self.store, folio_id=folio_id)
        except NotFoundError:
            raise Http404 from None
        html = folio_print_html(folio=folio, store=self.store, language=print_language(request, request.GET.get("lang")))
        return HttpResponse(html, content_type="text/html; charset=utf-8")
