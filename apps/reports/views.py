"""Back-office pages of reports (managers): 营业日报, range reports, channel mix, for the
current store or every store the manager manages (``?scope=all``), each exportable to
xlsx or CSV (``?export=xlsx|csv``). Thin: parse, call one selector, render."""
from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from apps.common.errors import DomainError
from apps.reports import exports, selectors
from apps.tenancy.business_day import business_date
from apps.tenancy.roles import MANAGE
from apps.tenancy.scope import StoreScopedPageMixin
from apps.tenancy.selectors import store_list_with_perms

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


class _ReportPage(StoreScopedPageMixin, TemplateView):
    manager_only = True
    kind = ""

    def stores(self):
        if self.request.GET.get("scope") == "all":
            return [s for s in store_list_with_perms(user=self.request.user) if MANAGE in s.perms]
        return [self.store]

    def report(self) -> dict:
        raise NotImplementedError

    def tables(self, report: dict) -> list:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        export = request.GET.get("export")
        if export in ("xlsx", "csv") and context.get("report"):
            tables = self.tables(context["report"])
            name = f"{self.kind}-{context['filename']}"
            if export == "xlsx":
                response = HttpResponse(exports.xlsx_bytes(tables), content_type=XLSX)
            else:
                response = HttpResponse(exports.csv_text(tables), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.{export}"'
            return response
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scope"] = "all" if self.request.GET.get("scope") == "all" else "store"
        context["query"] = self.request.GET.urlencode()
        try:
            context.update(self.report())
        except DomainError as exc:
            context["error"] = exc.message
        return context


class DailyReportView(_ReportPage):
    """营业日报 of an audited business day (default: the last one closed)."""

    template_name = "reports/daily.html"
    kind = "daily"

    def report(self) -> dict:
        day = _date(self.request.GET.get("date"), business_date(store=self.store) - timedelta(days=1))
        out = {"day": day, "filename": day.isoformat()}
        report = selectors.daily_report(stores=self.stores(), day=day)
        return {**out, "report": report, "entries": [*report["stores"], report["total"]] if len(report["stores"]) > 1
                else report["stores"]}

    def tables(self, report):
        return exports.tables_daily(report)


class RangeReportView(_ReportPage):
    """Occupancy, ADR, RevPAR and revenue over a period (default: the month to date)."""

    template_name = "reports/range.html"
    kind = "range"

    def report(self) -> dict:
        today = business_date(store=self.store)
        start = _date(self.request.GET.get("start"), today.replace(day=1))
        end = _date(self.request.GET.get("end"), today)
        granularity = self.request.GET.get("granularity")
        granularity = granularity if granularity in selectors.GRANULARITIES else "day"
        out = {"start": start, "end": end, "granularity": granularity, "filename": f"{start.isoformat()}-{end.isoformat()}",
               "granularities": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
               # on the books: the coming nights as booked now (docs/reports.md)
               "ahead": [(days, today, today + timedelta(days=days - 1)) for days in (30, 90)]}
        report = selectors.range_report(stores=self.stores(), start=start, end=end, granularity=granularity)
        comparisons = [(_("This period"), {**report["total"], "start": start, "end": end, "change": None}),
                       (_("Previous period"), report["previous"]), (_("Same period last year"), report["last_year"])]
        peak = max((b["total_revenue"] for b in report["buckets"]), default=0) or 1
        for b in report["buckets"]:
            b["bar"] = int(b["total_revenue"] * 100 / peak)
        return {**out, "report": report, "comparisons": comparisons}

    def tables(self, report):
        return exports.tables_range(report)


class ChannelMixView(_ReportPage):
    """Nights, revenue, ADR, lead time and cancellations by channel (default: the month to date)."""

    template_name = "reports/channels.html"
    kind = "channels"

    def report(self) -> dict:
        today = business_date(store=self.store)
        start = _date(self.request.GET.get("start"), today.replace(day=1))
        end = _date(self.request.GET.get("end"), today)
        report = selectors.channel_mix(stores=self.stores(), start=start, end=end)
        for c in report["channels"]:
            c["bar"] = int((c["share_of_nights"] or 0) * 100)
            c["type_label"] = selectors.channel_type_label(c["channel_type"])
        return {"start": start, "end": end, "filename": f"{start.isoformat()}-{end.isoformat()}", "report": report}

    def tables(self, report):
        return exports.tables_channels(report)


class ConsumptionView(_ReportPage):
    """Extras by item and category (default: the month to date)."""

    template_name = "reports/consumption.html"
    kind = "consumption"

    def report(self) -> dict:
        today = business_date(store=self.store)
        start = _date(self.request.GET.get("start"), today.replace(day=1))
        end = _date(self.request.GET.get("end"), today)
        report = selectors.consumption(stores=self.stores(), start=start, end=end)
        for c in report["categories"]:
            c["bar"] = int((c["share"] or 0) * 100)
        return {"start": start, "end": end, "filename": f"{start.isoformat()}-{end.isoformat()}", "report": report}

    def tables(self, report):
        return exports.tables_consumption(report)
