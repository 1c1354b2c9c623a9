"""The secret export URL of a calendar: ``/t/<tenant>/ical/<token>.ics`` (no log-in: the
token is the key; it names no guest)."""
from __future__ import annotations

from django.http import Http404, HttpResponse

from apps.ical.models import IcalExport
from apps.ical.services import ical_export_render


def ical_export_view(request, token: str):
    export = IcalExport.objects.select_related("store").filter(token=token).first()
    if export is None:
        raise Http404
    response = HttpResponse(ical_export_render(export=export), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
