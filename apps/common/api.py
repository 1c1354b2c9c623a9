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
    so the default was used silently. Fields that allow blank (a search ``q``) keep it.
    A parameter of one value given twice is a 400 too (DRF read the last one only)."""
    if not isinstance(data, QueryDict):
        return
    errors = {}
    for name, field in serializer.fields.items():
        if field.read_only or name not in data:
            continue
        values = data.getlist(name)
        if len(values) > 1 and not isinstance(field, serializers.ListField | serializers.MultipleChoiceField):
            # DRF would read the last one and ignore the others (``?is_active=x&is_active=``)
            errors[name] = [_("Give this parameter once.")]
        elif not getattr(field, "allow_blank", False) and any(value == "" for value in values):
            errors[name] = [_("This field may not be blank.")]
    if errors:
        raise serializers.ValidationError(errors)
