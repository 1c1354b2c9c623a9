"""Back-office pages of members: the list (and enrolment), a member's profile with the
stored-value and points ledgers, top-up, paying a folio, refund; the level settings.
Thin: parse the form, call one service, redirect or re-render with the error. Phones are
shown masked; the phone typed at enrolment is posted, never put in a URL."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from apps.common.errors import DomainError
from apps.contacts.services import contact_create_or_reuse
from apps.folios.models import PaymentMethod
from apps.folios.selectors import folio_for_update, folio_list, payment_method_list
from apps.folios.services import payment_methods_ensure
from apps.members import selectors, services
from apps.tenancy.business_day import business_date
from apps.tenancy.roles import MANAGE
from apps.tenancy.scope import StoreScopedPageMixin

PAGE_SIZE = 30


def _decimal(value: str | None, default: str | None = None) -> Decimal | None:
    value = (value or "").strip() or default
    if value is None:
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return Decimal("-1")  # refused by the service as an invalid amount


def _int(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


@method_decorator(sensitive_post_parameters("phone"), name="dispatch")
class MemberListView(StoreScopedPageMixin, TemplateView):
    template_name = "members/member_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = {"q": self.request.GET.get("q", ""), "level": _int(self.request.GET.get("level"))}
        page = Paginator(selectors.member_list(filters=filters), PAGE_SIZE).get_page(self.request.GET.get("page"))
        services.levels_ensure()
        context.update(page=page, members=page.object_list, q=filters["q"], level=filters["level"],
                       levels=selectors.level_list(), here="member-list", error=kwargs.get("error", ""))
        return context

    def post(self, request, *args, **kwargs):
        """Enrol: a name and a phone make (or find) this store's profile, then the member."""
        try:
            contact = contact_create_or_reuse(store=self.store, full_name=request.POST.get("full_name", ""),
                                              phone=request.POST.get("phone", ""), actor=request.user).contact
            member = services.member_enroll(contact=contact, actor=request.user)
        except DomainError as exc:
            return self.render_to_response(self.get_context_data(error=exc.message, **kwargs), status=400)
        messages.success(request, _("Member enrolled."))
        return redirect("member-detail", store_id=self.store.pk, member_id=member.pk)


class MemberDetailView(StoreScopedPageMixin, TemplateView):
    template_name = "members/member_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        member = selectors.member_get(member_id=kwargs["member_id"])
        payment_methods_ensure(store=self.store)
        methods = [m for m in payment_method_list(store=self.store, active_only=True)
                   if m.method_type not in PaymentMethod.MEMBER_TYPES]
        open_folios = list(folio_list(store=self.store, filters={"is_closed": False}).select_related("order")[:50])
        context.update(
            member=member, here="member-list", methods=methods, open_folios=open_folios,
            sv_entries=selectors.stored_value_ledger(member=member)[:50],
            points_entries=selectors.points_ledger(member=member)[:50],
            level_changes=member.level_changes.select_related("from_level", "to_level").order_by("-id")[:20],
            point_value=services.program_get().point_value, error=kwargs.get("error", ""),
        )
        return context

    def post(self, request, *args, **kwargs):
        member = selectors.member_get(member_id=kwargs["member_id"])
        action = request.POST.get("action")
        try:
            if action == "top_up":
                method = next((m for m in payment_method_list(store=self.store) if m.pk == _int(request.POST.get("payment_method"))), None)
                services.stored_value_top_up(member=member, store=self.store, amount=_decimal(request.POST.get("amount"), "0"),
                                             bonus=_decimal(request.POST.get("bonus"), "0"), payment_method=method,
                                             actor=request.user)
                messages.success(request, _("Top-up recorded."))
            elif action == "pay":
                folio = folio_for_update(store=self.store, folio_id=_int(request.POST.get("folio")) or 0)
                if request.POST.get("method") == "points":
                    services.points_redeem(member=member, folio=folio, points=_int(request.POST.get("points")) or 0,
                                           actor=request.user)
                else:
                    services.stored_value_spend(member=member, folio=folio, amount=_decimal(request.POST.get("amount"), "0"),
                                                actor=request.user)
                messages.success(request, _("Folio paid."))
            elif action == "refund":
                if MANAGE not in self.store_perms:
                    return self.render_to_response(self.get_context_data(error=_("Only a manager can do this."), **kwargs),
                                                   status=403)
                method = next((m for m in payment_method_list(store=self.store) if m.pk == _int(request.POST.get("payment_method"))), None)
                services.stored_value_refund(member=member, store=self.store, payment_method=method, actor=request.user,
                                             reason=request.POST.get("reason", ""))
                messages.success(request, _("Stored value refunded."))
        except DomainError as exc:
            return self.render_to_response(self.get_context_data(error=exc.message, **kwargs), status=exc.status)
        return redirect(reverse("member-detail", kwargs={"store_id": self.store.pk, "member_id": member.pk}))


class LevelSettingsView(StoreScopedPageMixin, TemplateView):
    template_name = "members/levels.html"
    manager_only = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        services.levels_ensure()
        context.update(levels=selectors.level_list(), program=services.program_get(), here="member-levels",
                       error=kwargs.get("error", ""))
        return context

    def post(self, request, *args, **kwargs):
        p = request.POST
        try:
            if p.get("action") == "program":
                services.program_update(period_months=_int(p.get("period_months")), points_expiry_days=_int(p.get("points_expiry_days")),
                                        point_value=_decimal(p.get("point_value")))
            else:
                values = {"name": p.get("name", ""), "rank": _int(p.get("rank")), "discount_percent": _decimal(p.get("discount_percent"), "0"),
                          "points_rate": _decimal(p.get("points_rate"), "1"), "upgrade_nights": _int(p.get("upgrade_nights")),
                          "upgrade_spend": _decimal(p.get("upgrade_spend"))}
                if values["rank"] is None:
                    values["rank"] = -1  # refused as invalid
                level_id = _int(p.get("level"))
                if level_id:
                    services.level_update(level=selectors.level_get(level_id=level_id), **values)
                else:
                    services.level_create(**values)
        except DomainError as exc:
            return self.render_to_response(self.get_context_data(error=exc.message, **kwargs), status=400)
        messages.success(request, _("Saved."))
        return redirect("member-levels", store_id=self.store.pk)


class MemberReportView(StoreScopedPageMixin, TemplateView):
    """会员统计 for a period (default: this month to the business date), the stored value
    each store holds, and the settlement between stores. Managers."""

    template_name = "members/report.html"
    manager_only = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = business_date(store=self.store)
        start = _date(self.request.GET.get("start")) or today.replace(day=1)
        end = _date(self.request.GET.get("end")) or today
        zone = ZoneInfo(self.store.time_zone)
        lo, hi = datetime.combine(start, time.min, zone), datetime.combine(end + timedelta(days=1), time.min, zone)
        context.update(start=start, end=end, here="member-report", figures=selectors.member_figures(start=lo, end=hi),
                       liability=selectors.stored_value_by_store(), settlement=selectors.stored_value_settlement(start=lo, end=hi))
        return context


def _date(value: str | None):
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None
