"""Every error on an API path answers in the one JSON shape, under ``make run`` (DEBUG) too.

Django answers some errors before or around a view, as HTML: a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (400 through ``SuspiciousOperation``), a path no pattern
matches (DEBUG's technical 404 page), a CSRF failure (403), an unexpected exception
(DEBUG's technical 500 page). ``ApiErrorMiddleware`` turns each of these into
``{"detail", "code", "extra"}`` for paths under ``/api/`` (a tenant's ``/t/<slug>/api/...``
or the public ``/api/...``) and leaves the back office's pages alone:

- a declared body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused before any view reads
  it: 413 ``payload_too_large`` with ``extra.limit_bytes``;
- an error response that is not JSON (HTML or plain text) is replaced by the shape with
  the code of its status (404 ``not_found``, 403 ``permission_denied``, ...);
- an unexpected exception is logged and signalled as Django does, then answered 500
  ``server_error`` (DEBUG included: the traceback is in the log, not in the answer).
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.log import log_response
from django.utils.translation import gettext as _

from apps.common.error_codes import CommonErrorCode
from apps.common.exceptions import error_body
from apps.common.faults import transient_fault, transient_fault_json

logger = logging.getLogger("django.request")

_STATUS_CODES = {
    400: CommonErrorCode.BAD_REQUEST,
    401: CommonErrorCode.NOT_AUTHENTICATED,
    403: CommonErrorCode.PERMISSION_DENIED,
    404: CommonErrorCode.NOT_FOUND,
    405: CommonErrorCode.METHOD_NOT_ALLOWED,
    406: CommonErrorCode.NOT_ACCEPTABLE,
    413: CommonErrorCode.PAYLOAD_TOO_LARGE,
    415: CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: CommonErrorCode.THROTTLED,
}


def is_api_path(request) -> bool:
    """``/api/...`` of a tenant (``path_info`` has lost ``/t/<slug>``) or of the public schema."""
    return request.path_info.startswith("/api/")


def _status_message(status: int) -> str:
    messages = {
        400: _("The request is not valid."),
        401: _("Authentication credentials were not provided."),
        403: _("You do not have permission to perform this action."),
        404: _("Not found."),
        405: _("Method not allowed."),
        406: _("The requested format is not available."),
        413: _("The request body is too large."),
        415: _("Unsupported media type."),
        429: _("Too many requests. Try again later."),
    }
    return messages.get(status, _("A server error occurred.") if status >= 500 else _("The request is not valid."))


def payload_too_large() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = _("The request body is too large: at most %(limit)d bytes.") % {"limit": limit}
    return JsonResponse(error_body(CommonErrorCode.PAYLOAD_TOO_LARGE, message, {"limit_bytes": limit}), status=413)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_path(request):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            response = payload_too_large()
            log_response("Payload too large: %s", request.path, response=response, request=request)
            return response
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            code = _STATUS_CODES.get(response.status_code, CommonErrorCode.SERVER_ERROR if response.status_code >= 500 else
                                     CommonErrorCode.BAD_REQUEST)
            json_response = JsonResponse(error_body(code, _status_message(response.status_code)), status=response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response

    def process_exception(self, request, exception):
        if not is_api_path(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return payload_too_large()
        if transient_fault(exception):  # Redis or PostgreSQL away: 503 and Retry-After, not 500
            return transient_fault_json(request, exception)
        # what Django does for an uncaught exception, then the shape instead of a page
        signals.got_request_exception.send(sender=None, request=request)
        response = JsonResponse(error_body(CommonErrorCode.SERVER_ERROR, _("A server error occurred.")), status=500)
        log_response("%s: %s", "Internal Server Error", request.path, response=response, request=request, exception=exception)
        return response
