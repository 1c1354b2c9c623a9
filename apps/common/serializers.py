"""``OutputSerializer``: a read-only DRF serializer that renders from fields bound once.

The owner's app API answers with a few hundred to a few thousand values per response
(the overview of 16 stores: ~1,600). DRF spends most of such a rendering outside the
fields' own ``to_representation``: every serializer instance deep-copies its declared
fields (``Field.__deepcopy__`` runs each field's ``__init__`` again) and binds them, every
nested serializer does it again, and every value goes through the generic
``Field.get_attribute``. Measured in process on the owner's day (docs/benchmarks.md),
that was half of the overview's CPU.

An ``OutputSerializer`` subclass is an ordinary ``Serializer`` (the OpenAPI schema, the
field declarations, ``S(obj).data`` and ``S(objs, many=True).data`` are DRF's), whose
``to_representation`` — DRF's documented hook — walks a **plan**: the class's fields,
bound once per process on a template instance, in declaration order. Per readable field
it does what ``Serializer.to_representation`` does:

- the value is ``instance[key]`` when the instance is a ``dict`` holding the field's one
  source key (and the value is not callable), else the field's own ``get_attribute``
  (defaults, dotted sources, ``SkipField`` and missing attributes handled by DRF);
- ``None`` renders as ``None``; an ``int`` of an ``IntegerField``, a ``str`` of a
  ``CharField``, a ``bool`` of a ``BooleanField`` as it is (DRF's ``int(v)``, ``str(v)``,
  ``bool`` mapping give it back unchanged); else ``field.to_representation(value)``; a nested
  ``OutputSerializer`` (or a ``many=True`` list of one: a manager is read with
  ``.all()``) renders through its own class's plan;
- a ``DecimalField`` as DRF renders it by default (a string, ``decimal_places`` places,
  ``max_digits`` precision, the field's rounding or the decimal context's), with its
  quantum and context made once instead of at every value.

A class whose fields are not all of that kind (a ``SerializerMethodField``, a related
field, a nested serializer that is not an ``OutputSerializer``, one whose class overrides
``to_representation`` itself, a ``DecimalField`` that localizes, normalizes or renders
numbers) renders through DRF, silently: the plan is a speed-up, never another behaviour.
``apps/common/tests/test_output_serializer.py`` holds every output serializer of the
owner's API to DRF's own rendering.
"""
from __future__ import annotations

import decimal
import threading
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django.core.signals import setting_changed
from django.db.models.manager import BaseManager
from django.utils import translation
from django.utils.functional import cached_property
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.settings import api_settings

_VALUE, _NESTED, _LIST = 0, 1, 2
# (field name, dict key or None, bound field, kind, render, same) with render the value's
# renderer (kind _VALUE) or the nested class's plan, and ``same`` the type of the values
# the renderer gives back unchanged (``int(v)`` of an int, ``str(v)`` of a str), or None
Step = tuple[str, "str | None", serializers.Field, int, Any, "type | None"]
# DRF's own renderers that give a value of this exact type back as it is
_IDENTITY = {
    serializers.IntegerField.to_representation: int,
    serializers.CharField.to_representation: str,
    serializers.BooleanField.to_representation: bool,
}
# Values of these types are never callable: no need to ask (DRF calls a callable value)
_PLAIN = frozenset((str, int, bool, float, decimal.Decimal, date, datetime, time, list, dict, tuple))


class _NotPlanned(Exception):
    """A field this module does not render: the class renders through DRF."""


def _decimal_renderer(field: serializers.DecimalField) -> Callable[[Any], str]:
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if not coerce or field.localize or field.normalize_output or field.decimal_places is None:
        raise _NotPlanned
    quantum = decimal.Decimal(".1") ** field.decimal_places
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    rounding = field.rounding

    def render(value) -> str:
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value).strip())
        return f"{value.quantize(quantum, rounding=rounding, context=context):f}"

    return render


def _step(name: str, field: serializers.Field) -> Step:
    attrs = field.source_attrs
    key = attrs[0] if len(attrs) == 1 else None
    if isinstance(field, serializers.ListSerializer):
        child = field.child
        if not isinstance(child, OutputSerializer) or type(field) is not serializers.ListSerializer:
            raise _NotPlanned
        return name, key, field, _LIST, _plan_of(type(child)), None
    if isinstance(field, serializers.BaseSerializer):
        if not isinstance(field, OutputSerializer):
            raise _NotPlanned
        return name, key, field, _NESTED, _plan_of(type(field)), None
    if isinstance(field, serializers.SerializerMethodField | RelatedField | ManyRelatedField | serializers.HiddenField):
        raise _NotPlanned
    renderer = type(field).to_representation
    if renderer is serializers.DecimalField.to_representation:
        return name, key, field, _VALUE, _decimal_renderer(field), None
    return name, key, field, _VALUE, field.to_representation, _IDENTITY.get(renderer)


def _plan_of(cls: type[OutputSerializer]) -> list[Step]:
    plan = cls._plan()
    if plan is None:  # a nested class DRF renders: so does the one holding it
        raise _NotPlanned
    return plan


_MISSING = object()


def _render(plan: list[Step], instance) -> dict:
    out = {}
    as_dict = instance.__class__ is dict
    for name, key, field, kind, render, same in plan:
        if as_dict and key in instance:
            value = instance[key]
            if value.__class__ not in _PLAIN and callable(value):
                value = field.get_attribute(instance)  # DRF calls it
        else:  # not a key of a dict: as DRF reads it
            try:
                value = field.get_attribute(instance)
            except SkipField:
                continue
        if value is None:
            out[name] = None
        elif kind == _VALUE:
            out[name] = value if value.__class__ is same else render(value)
        elif kind == _NESTED:
            out[name] = _render(render, value)
        else:
            items = value.all() if isinstance(value, BaseManager) else value
            out[name] = [_render(render, item) for item in items]
    return out


class OutputSerializer(serializers.Serializer):
    # A read-only serializer rendered by its class's plan (see the module docstring). No
    # class docstring: drf-spectacular would take it as the description of every schema
    # made from a subclass without one of its own.

    @classmethod
    def _plan(cls) -> list[Step] | None:
        """The class's plan, made on first use (``None``: DRF renders it)."""
        if "_render_plan" not in cls.__dict__:
            plan: list[Step] | None
            if cls.to_representation is not OutputSerializer.to_representation:
                plan = None
            else:
                template = cls(context={})
                try:
                    plan = [_step(name, field) for name, field in template.fields.items() if not field.write_only]
                except _NotPlanned:
                    plan = None
            cls._render_plan = plan
        return cls.__dict__["_render_plan"]

    def to_representation(self, instance):
        plan = self._plan()
        if plan is None:
            return super().to_representation(instance)
        return _render(plan, instance)


def _forget_plans(*, setting: str, **kwargs) -> None:
    """Fields read settings when they are made (DRF's ``api_settings``): tests that change
    them get new plans."""
    stack = [OutputSerializer]
    while stack:
        cls = stack.pop()
        if "_render_plan" in cls.__dict__:
            delattr(cls, "_render_plan")
        stack.extend(cls.__subclasses__())


setting_changed.connect(_forget_plans, dispatch_uid="output_serializer_plans")


# A DRF serializer for a request's body whose fields are bound once per thread.
#
# ``Serializer(data=...)`` deep-copies every declared field (DRF runs each field's
# ``__init__`` again) and binds it before validating. For a booking's
# ``OrderCreateInSerializer`` (booker, guests and extras nested) that was ~0.8 ms of the
# ~8 ms of app CPU a booking costs in process (cProfile, ``bench/booking_soak.py``'s
# requests; 2026-12-07). Here a root serializer given no context takes the fields of a
# template instance of its class, made once per (class, ``partial``, language) in each
# thread; everything else (``initial_data``, ``validated_data``, ``errors``, the
# ``validate`` hooks) is DRF's on the new instance.
#
# Why that validates the same: DRF's fields keep no state between calls of
# ``run_validation``; what they read of their root is ``partial`` and ``context``, the
# template's here (same ``partial``, no context). DRF formats the messages of limits
# (``min_value``, ``max_length``…) lazily but keeps the first text made, so a template
# serves one language. A thread validates one request at a time, so no template is
# used by two calls at once. ``apps/common/tests/test_input_serializer.py`` compares
# valid and invalid outcomes with DRF's, in both languages.
#
# (A comment, not a docstring: drf-spectacular would describe every subclass's schema with it.)
class InputSerializer(serializers.Serializer):
    @cached_property
    def fields(self):
        if self.parent is not None or self._context:
            return super().fields
        templates = _bound_inputs.__dict__.setdefault("templates", {})
        key = (type(self), self.partial, translation.get_language())
        template = templates.get(key)
        if template is None:
            template = templates[key] = type(self)(partial=self.partial)
            serializers.Serializer.fields.__get__(template)  # deep-copied and bound here, once
        return template.fields


_bound_inputs = threading.local()
