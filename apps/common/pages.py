"""What every back-office page answers after a write, in one place.

Answers: a redirect with a message for plain form posts; for htmx requests a 204 with
``HX-Trigger`` (``toast``, ``desk-changed``: whatever is on screen reloads itself); JSON
(``{detail, code, extra}``) for script callers such as the grid's drags. See
docs/backoffice.md.
"""
from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme

from apps.common.errors import DomainError
from apps.common.exceptions import error_body


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_json_answer(request) -> bool:
    """A script (not htmx) asked for JSON."""
    return "application/json" in request.headers.get("Accept", "") and not is_htmx(request)


def hx_events(response: HttpResponse, **events) -> HttpResponse:
    # ASCII-escaped JSON: header values must be latin-1, messages are often Chinese.
    response["HX-Trigger"] = json.dumps({k.replace("_", "-"): v for k, v in events.items()}, ensure_ascii=True)
    return response


def next_url(request, default: str) -> str:
    """Where a form asked to go next (``next``), if it is on this site; else ``default``."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return default


def write_done(request, message: str, default_url: str, **events) -> HttpResponse:
    """A write succeeded: htmx callers refresh what they show; scripts get JSON; others go
    on to ``next`` with the message."""
    if is_htmx(request):
        return hx_events(HttpResponse(status=204), toast={"message": message, "level": "success"}, desk_changed=True, **events)
    if wants_json_answer(request):
        return JsonResponse({"ok": True, "detail": message})
    messages.success(request, message)
    return HttpResponseRedirect(next_url(request, default_url))


def write_refused(request, exc: DomainError, default_url: str) -> HttpResponse:
    """A service said no: the reason, in the user's language, and nothing changed."""
    if is_htmx(request):
        return hx_events(HttpResponse(status=204), toast={"message": exc.message, "level": "error"})
    if wants_json_answer(request):
        return JsonResponse(error_body(exc.code, exc.message, exc.extra), status=exc.status)
    messages.error(request, exc.message)
    return HttpResponseRedirect(next_url(request, default_url))
