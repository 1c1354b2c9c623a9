"""The one error shape: ``{"detail": str, "code": str, "extra": {...}}``.

Field errors go under ``extra.fields`` as ``{field: [message, ...]}``. Messages are in
the request's language (``Accept-Language``; zh-Hans by default).
"""
from __future__ import annotations

import logging
import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from apps.common.error_codes import CommonErrorCode
from apps.common.errors import DomainError
from apps.common.faults import transient_fault, transient_fault_api, transient_fault_json, transient_fault_page
from apps.common.request_context import with_request_id

logger = logging.getLogger(__name__)

_DRF_CODES = {
    drf_exceptions.NotAuthenticated: CommonErrorCode.NOT_AUTHENTICATED,
    drf_exceptions.AuthenticationFailed: CommonErrorCode.AUTHENTICATION_FAILED,
    drf_exceptions.PermissionDenied: CommonErrorCode.PERMISSION_DENIED,
    drf_exceptions.NotFound: CommonErrorCode.NOT_FOUND,
    drf_exceptions.MethodNotAllowed: CommonErrorCode.METHOD_NOT_ALLOWED,
    drf_exceptions.NotAcceptable: CommonErrorCode.NOT_ACCEPTABLE,
    drf_exceptions.UnsupportedMediaType: CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
    drf_exceptions.Throttled: CommonErrorCode.THROTTLED,
    drf_exceptions.ParseError: CommonErrorCode.PARSE_ERROR,
}


def error_body(code: str, detail: str, extra: dict | None = None) -> dict:
    """The shape, with the request's id (``X-Request-ID``) when there is one: the id a
    client quotes to find its request in the logs (apps.common.request_context)."""
    return with_request_id({"detail": str(detail), "code": str(code), "extra": extra or {}})


# DRF messages that DRF itself does not mark for translation: ours, in our catalogue.
_DRF_UNTRANSLATED = {"No data provided": gettext_noop("No data provided.")}


def _message(m) -> str:
    text = str(m)
    return _(_DRF_UNTRANSLATED[text]) if text in _DRF_UNTRANSLATED else text


def _flatten_fields(detail) -> dict:
    if isinstance(detail, dict):
        return {str(k): [_message(m) for m in (v if isinstance(v, list) else [v])] if not isinstance(v, dict) else _flatten_fields(v)
                for k, v in detail.items()}
    return {"non_field_errors": [_message(m) for m in (detail if isinstance(detail, list) else [detail])]}


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, DomainError):
        if "retry_after_s" in exc.extra:  # e.g. a limit reached (429 throttled)
            headers["Retry-After"] = "%d" % exc.extra["retry_after_s"]
        return Response(error_body(exc.code, exc.message, exc.extra), status=exc.status, headers=headers or None)
    if transient_fault(exc):
        return transient_fault_api(context.get("request"), exc)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if isinstance(exc, drf_exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        return Response(
            error_body(CommonErrorCode.INVALID, _("Some fields are not valid."), {"fields": fields}),
            status=400,
        )
    if isinstance(exc, drf_exceptions.APIException):
        code = _DRF_CODES.get(type(exc))
        if code is None:
            code = next((c for k, c in _DRF_CODES.items() if isinstance(exc, k)), exc.default_code)
        extra = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = "%d" % exc.wait
            extra["retry_after_s"] = int(exc.wait)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
        return Response(error_body(code, detail, extra), status=exc.status_code, headers=headers)
    return None  # unexpected: Django's 500 handler (below) renders it


def wants_json(request) -> bool:
    return "/api/" in request.path or "application/json" in request.headers.get("Accept", "")


def json_or_html_404(request, exception=None):
    if wants_json(request):
        return JsonResponse(error_body(CommonErrorCode.NOT_FOUND, _("Not found.")), status=404)
    if getattr(request, "tenant", None) is None:
        # outside a tenant (/robots.txt, /favicon.ico): the back office's layout links
        # tenant-only pages, which the public URLs cannot reverse
        return render(request, "404_public.html", status=404)
    return render(request, "404.html", status=404)


def json_or_html_500(request):
    exc = sys.exc_info()[1]  # Django calls its 500 handler while handling the exception
    if transient_fault(exc):
        return transient_fault_json(request, exc) if wants_json(request) else transient_fault_page(request, exc)
    if wants_json(request):
        return JsonResponse(error_body(CommonErrorCode.SERVER_ERROR, _("A server error occurred.")), status=500)
    return render(request, "500.html", status=500)
