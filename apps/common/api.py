"""What every app's REST views share besides the scope (``apps.tenancy.scope``)."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers


def valid(serializer_class: type[serializers.Serializer], data: Any, *, partial: bool = False) -> Any:
    """The ``validated_data`` of ``serializer_class`` for ``data`` (a request's body or
    query parameters), or the ``ValidationError`` that renders as 400 ``invalid`` with
    ``extra.fields``."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
