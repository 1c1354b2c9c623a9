"""Input PostgreSQL cannot store, refused at the door.

A NUL character (U+0000) can be typed into no form, but a crafted URL or form post can
carry one; PostgreSQL's text columns cannot hold it and psycopg refuses it before the
query is sent, which used to surface as a 500 wherever a view passed raw input on (the
guest search, a cancellation reason, the login name). ``NulCharacterGuard`` answers 400
instead, in the one error shape for the API and as a plain page for the back office,
before any view runs. It guards the back office's pages: their query strings and posted
forms (field names and values; uploaded files are not text). The API is left to its serializers and filters, which refuse a
NUL field by field (``extra.fields``), as every other invalid value.

``JSONParser`` is DRF's, but a document nested too deeply for Python's JSON decoder
(``RecursionError``) is a 400 ``parse_error`` like any other malformed body, not a 500,
and the message is ours (translated; DRF's reads "JSON parse error - ..." in English).
"""
from __future__ import annotations

import json

from django.http import HttpResponseBadRequest
from django.utils.html import escape
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from apps.common.exceptions import wants_json

NUL = "\x00"


def _has_nul(query) -> bool:
    return any(NUL in key or any(NUL in v for v in values) for key, values in query.lists())


class NulCharacterGuard:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if wants_json(request):
            return self.get_response(request)
        # request.POST is parsed once and kept; CsrfViewMiddleware reads it for every page POST anyway
        if NUL in request.path or _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            message = _("Null characters (U+0000) are not allowed.")
            return HttpResponseBadRequest(f"<!doctype html><title>400</title><p>{escape(message)}</p>")
        return self.get_response(request)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the document is nested too deeply.")) from None
        except ParseError as exc:
            # DRF's own message is English only ("JSON parse error - Expecting value: ...")
            cause = exc.__context__
            if isinstance(cause, json.JSONDecodeError):
                raise ParseError(_("The body is not valid JSON (line %(line)d, column %(column)d).")
                                 % {"line": cause.lineno, "column": cause.colno}) from None
            raise ParseError(_("The body is not valid JSON.")) from None
