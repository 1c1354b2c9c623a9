"""JSON bodies are read as the schema types them: no coercion of one JSON type into another.

DRF's fields coerce what they are given: a ``CharField`` takes the number ``0`` as ``"0"``,
a ``BooleanField`` takes ``0``, ``1``, ``"yes"`` and ``"true"``, an ``IntegerField`` takes
``"12"``, a ``DecimalField`` takes the JSON number ``0.1`` (a binary float), a
``ChoiceField`` of text takes ``0`` for ``"0"``, a ``UUIDField`` takes an integer. The
OpenAPI schema (what clients are built against) says the stricter type, and a client
that sends another one has a bug better told than guessed at.

In a request body (JSON, the API's only parser) a value must have the JSON type the
schema states:

| field | accepts | refuses (400 ``invalid``) |
|---|---|---|
| ``CharField`` (and e-mail, slug, regex, URL, IP) | strings | numbers, booleans |
| ``BooleanField`` | ``true``, ``false`` | ``0``, ``1``, ``"true"``, ``"yes"`` |
| ``IntegerField`` | integers (``12``, ``12.0``) | ``"12"``, ``true`` |
| ``FloatField`` | numbers | strings, booleans |
| ``DecimalField`` (money) | decimal strings (``"12.50"``) | JSON numbers, booleans |
| ``ChoiceField`` (each item of a ``MultipleChoiceField``) | the choices' own type | ``0`` for ``"0"``, ``"1"`` for ``1`` |
| ``UUIDField`` | strings | numbers |

Query strings (and forms, where a serializer reads one) are text by nature: a serializer
validating a ``QueryDict`` keeps DRF's parsing (``?page=2``, ``?active=true``).

Which data is strict is decided per validation, at the root serializer's ``is_valid``:
strict unless its ``initial_data`` is a ``QueryDict``. ``install()`` (from
``TenancyConfig.ready``: ``apps.common`` is not an installed app) wraps DRF's ``is_valid`` and the fields' ``to_internal_value``
once per process, so every serializer of every app (declared fields, model serializers,
nested ones) follows the rule without a base class of its own.
"""
from __future__ import annotations

import contextvars
from django.http import QueryDict
from rest_framework import fields, serializers

_strict = contextvars.ContextVar("pms_strict_input", default=False)


def strict() -> bool:
    """True while a serializer validates a JSON body."""
    return _strict.get()


def _is_int(value) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _guard(cls, accepts, error: str = "invalid"):
    """Wrap ``cls.to_internal_value``: in strict mode a value ``accepts`` refuses fails first."""
    original = cls.__dict__["to_internal_value"]
    if getattr(original, "_strict_input", False):
        return

    def to_internal_value(self, data):
        if _strict.get() and not accepts(self, data):
            self.fail(error if error in self.error_messages else "invalid", input=data)
        return original(self, data)

    to_internal_value._strict_input = True
    to_internal_value.__wrapped__ = original
    cls.to_internal_value = to_internal_value


def _choice_accepts(field, data) -> bool:
    keys = list(field.choices)
    if not keys:
        return True
    if all(isinstance(k, str) for k in keys):
        return isinstance(data, str)
    if all(_is_int(k) for k in keys):
        return _is_int(data)
    return True


def _wrap_is_valid() -> None:
    original = serializers.BaseSerializer.is_valid
    if getattr(original, "_strict_input", False):
        return

    def is_valid(self, *args, **kwargs):
        data = getattr(self, "initial_data", None)
        token = _strict.set(not isinstance(data, QueryDict))
        try:
            return original(self, *args, **kwargs)
        finally:
            _strict.reset(token)

    is_valid._strict_input = True
    is_valid.__wrapped__ = original
    serializers.BaseSerializer.is_valid = is_valid


def install() -> None:
    """Make JSON bodies strict for every serializer (idempotent)."""
    _wrap_is_valid()
    _guard(fields.CharField, lambda f, v: isinstance(v, str))
    _guard(fields.BooleanField, lambda f, v: v is True or v is False)
    _guard(fields.IntegerField, lambda f, v: _is_int(v))
    _guard(fields.FloatField, lambda f, v: _is_number(v))
    _guard(fields.DecimalField, lambda f, v: isinstance(v, str))
    _guard(fields.ChoiceField, _choice_accepts, "invalid_choice")
    _guard(fields.UUIDField, lambda f, v: isinstance(v, str))
