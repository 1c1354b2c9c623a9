"""Back-office pages of reports: the night audit (its records for everyone in the store,
running it for managers, as in the API). Thin: ``night_audit_run`` and the selectors."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from apps.common.errors import DomainError, NotFoundError
from apps.night_audit import selectors, services
from apps.night_audit.models import NightAudit
from apps.tenancy.scope import StoreScopedPageMixin

PAGE_SIZE = 30


def _count_labels() -> list[tuple[str, str]]:
    """What each count of an audit means at the desk, in the order shown."""
    return [
        ("in_house", _("Stays in the house")),
        ("posted", _("Room nights posted")),
        ("already_posted", _("Already posted")),
        ("no_shows", _("No-shows marked")),
        ("arrivals_pending", _("Arrivals kept (no-show policy: keep)")),
        ("departures_pending", _("Departures not checked out")),
        ("zero_rate", _("Nights at a zero rate")),
        ("folio_closed", _("Folio closed")),
        ("amount_too_large", _("Nights above the maximum of one posting")),
        ("folio_limit_exceeded", _("Folios at their limit")),
        ("posting_refused", _("Postings refused by the database")),
        ("not_posted", _("Room nights not posted")),
        ("no_show_refused", _("No-shows refused")),
    ]


class NightAuditView(StoreScopedPageMixin, TemplateView):
    """The open business date, when its audit is due, the audit records; managers run it."""

    template_name = "night_audit/night_audit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(selectors.night_audit_list(store=self.store), PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(info=selectors.business_day_info(store=self.store), page=page, audits=page.object_list)
        return context


class NightAuditRunView(StoreScopedPageMixin, View):
    """Close the open business day now (managers: 403 for others, as in the API)."""

    manager_only = True

    def post(self, request, store_id: int):
        url = reverse("night-audit", kwargs={"store_id": self.store.pk})
        try:
            outcome = services.night_audit_run(store=self.store, trigger=NightAudit.Trigger.MANUAL, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(url)
        audit = outcome.audit
        if outcome.ran:
            messages.success(request, _("The business day %(date)s is closed: %(posted)s room nights posted (%(amount)s), %(no_shows)s no-shows.") % {
                "date": audit.business_date.isoformat(), "posted": audit.counts.get("posted", 0),
                "amount": audit.room_charges_posted, "no_shows": audit.counts.get("no_shows", 0),
            })
        else:
            messages.info(request, _("The business day %(date)s was already closed.") % {"date": audit.business_date.isoformat()})
        return HttpResponseRedirect(reverse("night-audit-detail", kwargs={"store_id": self.store.pk, "business_date": audit.business_date.isoformat()}))


class NightAuditDetailView(StoreScopedPageMixin, TemplateView):
    """One audit record: its counts and what it did, order by order."""

    template_name = "night_audit/night_audit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            day = date.fromisoformat(self.kwargs["business_date"])
            audit = selectors.night_audit_get(store=self.store, business_date=day)
        except (ValueError, NotFoundError):
            raise Http404 from None
        counts = audit.counts or {}
        details = audit.details or {}
        labels = services.not_posted_labels()
        context.update(
            audit=audit, counts=[(label, counts[key]) for key, label in _count_labels() if key in counts],
            posted=details.get("posted", []), no_shows=details.get("no_shows", []),
            departures=details.get("departures_pending", []), arrivals=details.get("arrivals_pending", []),
            not_posted=[{**row, "reason_label": labels.get(row["reason"], row["reason"])} for row in details.get("not_posted", [])],
        )
        return context
