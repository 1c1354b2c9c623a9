"""OpenAPI helpers shared by every app: the error component, standard error responses, examples.

Every error the API answers has the shape of ``ErrorSerializer`` (``{detail, code, extra}``,
rendered by ``apps.common.exceptions.exception_handler``). Views document the errors that
are specific to them with ``error_responses()``::

    @extend_schema(
        operation_id="order_check_in",
        request=CheckInSerializer,
        responses={200: OrderSerializer, **error_responses(
            409, examples=[error_example(409, "order_not_checkinable", "This order cannot be checked in.")],
        )},
    )

``AutoSchema`` (``DEFAULT_SCHEMA_CLASS``) adds the errors any operation can answer when a
view does not declare them itself: 400 for operations with a request body or query
parameters, 401/403 for operations that need authentication, 404 for operations with
path parameters or pages.
409, 422 and 429 are only documented where a view declares them, and for the operations
whose handler carries an ``idempotency`` policy (``apps.orders.idempotency.idempotent``):
their ``Idempotency-Key`` header, ``Idempotent-Replayed`` answer header, and the key's 400,
409 and 422 answers, merged into what the view declares (one response per status).
"""
from __future__ import annotations

from collections.abc import Iterable

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import serializers

from apps.common.fields import CALENDAR_DATE_PATTERN, CalendarDateField, CommaSeparatedChoiceField

_FIELD_ERRORS = {
    "type": "object",
    "description": "Field errors: field name -> messages (nested serializers give a nested object).",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object", "additionalProperties": True}],
    },
}


@extend_schema_field(
    {
        "type": "object",
        "description": "Details of the error. Keys depend on the code; the ones below are shared.",
        "properties": {
            "fields": _FIELD_ERRORS,
            "retry_after_s": {
                "type": "integer",
                "description": "With code `throttled`: seconds to wait before trying again (also in `Retry-After`).",
            },
        },
        "additionalProperties": True,
    }
)
class ErrorExtraField(serializers.DictField):
    pass


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    detail = serializers.CharField(help_text="Human-readable message in the request's language (zh-Hans by default).")
    code = serializers.CharField(help_text="Stable machine code, e.g. `not_found`, `invalid`, `throttled` (see docs/api.md).")
    extra = ErrorExtraField(help_text="Details of the error; `{}` when there are none.")
    request_id = serializers.CharField(
        required=False,
        help_text="The request's id, also in the `X-Request-ID` response header: quote it when reporting a problem.",
    )

    class Meta:
        ref_name = "Error"


_DESCRIPTIONS = {
    400: "Invalid input (`invalid` with `extra.fields`, `parse_error`) or a rule refused it.",
    401: "No, unknown, expired or revoked credentials (`not_authenticated`, `authentication_failed`).",
    403: "Authenticated but not allowed (`permission_denied`, `manager_only`).",
    404: "Not found, or outside the caller's tenant or stores (`not_found`).",
    409: "Conflicts with the current state of the resource.",
    413: "The body is larger than the server takes (`payload_too_large`, `extra.limit_bytes`).",
    415: "The body is not JSON (`unsupported_media_type`): the API takes `application/json` only.",
    422: "Well-formed but cannot be processed.",
    429: "Too many attempts (`throttled`); retry after `Retry-After` seconds.",
    503: "A service this operation depends on is unavailable; try again later.",
}

_DEFAULT_EXAMPLES = {
    400: ("invalid", "Some fields are not valid.", {"fields": {"username": ["This field is required."]}}),
    401: ("not_authenticated", "Authentication credentials were not provided.", {}),
    403: ("permission_denied", "You do not have permission to perform this action.", {}),
    404: ("not_found", "Not found.", {}),
    409: ("conflict", "This conflicts with the current state.", {}),
    413: ("payload_too_large", "The request body is too large: at most 2621440 bytes.", {"limit_bytes": 2621440}),
    415: ("unsupported_media_type", 'Unsupported media type "text/plain" in request.', {}),
    422: ("unprocessable", "This cannot be processed.", {}),
    429: ("throttled", "Too many failed log-in attempts. Try again in 15 minutes.", {"retry_after_s": 900}),
    503: ("unavailable", "This service is not available right now. Try again later.", {}),
}


RETRY_AFTER_HEADER = OpenApiParameter(
    "Retry-After", int, OpenApiParameter.HEADER, response=[429],
    description="Seconds to wait before trying again (same as `extra.retry_after_s`).",
)


def error_example(status: int, code: str, detail: str, extra: dict | None = None, *, name: str | None = None) -> OpenApiExample:
    """An example error body for ``status`` (English message; the API answers zh-Hans by default)."""
    return OpenApiExample(
        name or code,
        value={"detail": detail, "code": code, "extra": extra or {}},
        response_only=True,
        status_codes=[str(status)],
    )


def error_response(status: int, *, description: str | None = None, examples: Iterable[OpenApiExample] = ()) -> OpenApiResponse:
    """The documented error response for ``status``; ``examples`` default to the generic one."""
    examples = list(examples)
    if not examples:
        code, detail, extra = _DEFAULT_EXAMPLES[status]
        examples = [error_example(status, code, detail, extra)]
    return OpenApiResponse(ErrorSerializer, description=description or _DESCRIPTIONS[status], examples=examples)


def error_responses(*statuses: int, examples: Iterable[OpenApiExample] = ()) -> dict[int, OpenApiResponse]:
    """``{status: error_response(status)}`` for each status; ``examples`` go to the status they name."""
    examples = list(examples)
    out = {}
    for status in statuses:
        mine = [e for e in examples if str(status) in [str(s) for s in e.status_codes]]
        out[status] = error_response(status, examples=mine)
    return out


# What a request's text may hold. PostgreSQL cannot store NUL (U+0000), so every text
# field refuses it (``apps.common.fields``, DRF's ``ProhibitNullCharactersValidator``); a
# required text is trimmed before it is refused as blank, so it needs one character that
# is not whitespace (Python's strip() also drops U+001C..U+001F, which a schema's \s does
# not name). An unpaired surrogate (which UTF-8 cannot encode, refused too) cannot be
# named here: a Unicode regex has no surrogates, and validators refuse such a pattern.
_STORABLE = r"[^\x00]"
_NOT_BLANK = r"[^\s\x00\x1c-\x1f]"
TEXT_PATTERN = rf"^{_STORABLE}*$"
NON_EMPTY_TEXT_PATTERN = rf"^{_STORABLE}+$"
NON_BLANK_TEXT_PATTERN = rf"^{_STORABLE}*{_NOT_BLANK}{_STORABLE}*$"


def text_pattern(*, blank: bool, trimmed: bool = True) -> str:
    """The schema's pattern for a request text (a body field or a query parameter)."""
    if blank:
        return TEXT_PATTERN
    return NON_BLANK_TEXT_PATTERN if trimmed else NON_EMPTY_TEXT_PATTERN


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema that documents the errors every operation can answer."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and isinstance(schema, dict) and schema.get("format") == "decimal" \
                and field.max_whole_digits and "pattern" in schema:
            # drf-spectacular's pattern (``^-?\d{0,n}(?:\.\d{0,m})?$``) takes "", "-" and ".",
            # which DRF refuses as "a valid number is required"; and a minus sign where the
            # field has ``min_value >= 0``. Say what DRF takes: at least one digit on each
            # side of the point, a sign only where negative values are allowed.
            sign = "-?" if field.min_value is None or field.min_value < 0 else ""
            schema["pattern"] = rf"^{sign}\d{{1,{field.max_whole_digits}}}(?:\.\d{{1,{field.decimal_places}}})?$"
        if direction == "request" and isinstance(field, serializers.CharField) and isinstance(schema, dict) \
                and schema.get("type") == "string" and not ({"pattern", "format", "enum"} & schema.keys()):
            schema["pattern"] = text_pattern(blank=field.allow_blank, trimmed=field.trim_whitespace)
        if direction == "request" and isinstance(field, serializers.ListField | serializers.MultipleChoiceField) \
                and not field.allow_empty and isinstance(schema, dict) and schema.get("type") == "array":
            schema.setdefault("minItems", 1)  # DRF refuses an empty list here
        if direction == "request" and isinstance(field, serializers.DecimalField) and isinstance(schema, dict) \
                and field.max_value == 100 and field.min_value is not None and field.min_value >= 0 and field.decimal_places:
            # a percent: 0 to 100 (a string's pattern, the schema's maximum applies to numbers only)
            places = field.decimal_places
            schema["pattern"] = rf"^(?:100(?:\.0{{1,{places}}})?|[0-9]{{1,2}}(?:\.[0-9]{{1,{places}}})?)$"
        if direction == "request" and isinstance(field, CalendarDateField) and isinstance(schema, dict) \
                and schema.get("format") == "date":
            # the dates the PMS computes with, 1900-01-01 to 9998-12-31 (400 otherwise)
            schema["pattern"] = CALENDAR_DATE_PATTERN
        if isinstance(field, CommaSeparatedChoiceField) and isinstance(schema, dict):
            # the known values, comma-separated: what the field and its serializer take
            schema["pattern"] = field.pattern()
        return schema

    def _needs_auth(self) -> bool:
        security = self.get_auth()
        return bool(security) and {} not in security

    def _idempotency(self):
        """The ``idempotency`` policy of the view method answering this operation, if any."""
        action = getattr(self.view, "action", None)
        handler = getattr(self.view, action or self.method.lower(), None)
        return getattr(handler, "idempotency", None)

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        policy = self._idempotency()
        return [*parameters, *policy.openapi_parameters()] if policy is not None else parameters

    def _add_idempotency_errors(self, responses: dict, policy) -> None:
        for status, (description, errors) in policy.openapi_errors().items():
            examples = [error_example(status, code, detail, extra) for code, detail, extra in errors]
            ours = self._get_response_for_code(error_response(status, description=description, examples=examples), str(status))
            theirs = responses.get(str(status))
            if theirs is None:
                responses[str(status)] = ours
                continue
            theirs["description"] = f"{theirs.get('description', '')} {description}".strip()
            if "content" not in theirs:  # declared by a description only: the one error shape
                theirs["content"] = ours["content"]
                continue
            for media_type, body in ours["content"].items():
                target = theirs["content"].setdefault(media_type, body)
                if target is not body:
                    target.setdefault("examples", {}).update(body.get("examples", {}))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        policy = self._idempotency()
        if policy is not None:
            self._add_idempotency_errors(responses, policy)
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        # a page number out of range answers 404, a bad filter value 400
        has_pages = self._is_list_view() and (self._get_paginator() is not None or bool(self.get_filter_backends()))
        has_query = has_pages or any(p.get("in") == "query" for p in self._get_parameters())
        implied = set()
        if has_body or has_query:
            implied.add(400)
        if has_body:
            implied |= {413, 415}
        if self._needs_auth():
            implied |= {401, 403}
        if "{" in self.path or has_pages:
            implied.add(404)
        for status in sorted(implied):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(error_response(status), str(status), direction=direction)
        return dict(sorted(responses.items()))
