"""What every app's REST views share besides the scope (``apps.tenancy.scope``)."""
from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from rest_framework import serializers


def valid(serializer_class: type[serializers.Serializer], data: Any, *, partial: bool = False) -> Any:
    """The ``validated_data`` of ``serializer_class`` for ``data`` (a request's body or
    query parameters), or the ``ValidationError`` that renders as 400 ``invalid`` with
    ``extra.fields``."""
    serializer = serializer_class(data=data, partial=partial)
    refuse_blank_query(serializer, data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def refuse_blank_query(serializer: serializers.Serializer, data: Any) -> None:
    """``?start=`` is a 400 like any other bad value, as the schema says (``minLength``,
    ``format``): DRF reads an empty value of a query string (a ``QueryDict``) as absent,
    so the default was used silently. Fields that allow blank (a search ``q``) keep it."""
    if not isinstance(data, QueryDict):
        return
    blank = {
        name: [_("This field may not be blank.")]
        for name, field in serializer.fields.items()
        if not field.read_only and not getattr(field, "allow_blank", False) and name in data
        and all(value == "" for value in data.getlist(name))
    }
    if blank:
        raise serializers.ValidationError(blank)
