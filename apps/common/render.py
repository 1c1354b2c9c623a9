"""Render DRF output serializers without DRF's per-instance field copies.

``render(S, obj, context=ctx)`` returns exactly what ``S(obj, context=ctx).data`` returns
(same keys in the same order, same values), and ``render_many(S, objs, context=ctx)``
what ``S(objs, many=True, context=ctx).data`` returns.

Why: every ``Serializer`` instance deep-copies its declared fields on first use of
``.fields`` (``Field.__deepcopy__`` re-runs each field's ``__init__``) and binds them, and
every nested serializer does it again. For ``OrderDetailSerializer`` (~60 fields, three
nested lists) that copying is most of the rendering: under load the booking ``POST``
spent ~19 % of the app server's CPU in ``OrderDetailSerializer(order).data``. In process
(``time.process_time`` over 500 renders of one real order read by ``order_get``: 3
nights, a room, 1 guest, 2 events, one with an actor; best of 5 batches, two runs), one
render cost 1.14-1.23 ms of CPU with DRF and 0.17 ms through ``render`` (~7x less). What
is left is DRF's own ``Field.get_attribute`` (~40 %) and the fields' ``to_representation``,
kept on purpose: they are what makes the output DRF's.

How: a serializer class is compiled once per process into a plan: one template instance
``S(context={})`` is made, its bound ``.fields`` (``source_attrs`` set) are kept and
reused for every render. Per readable field the plan does what
``Serializer.to_representation`` does: ``field.get_attribute(obj)`` (``SkipField``: key
left out; missing attribute: the field's default, ``None`` if it allows null), ``None`` (or
a ``PKOnlyObject`` without pk) renders as ``None``, else ``field.to_representation(value)``
of the template field; a nested serializer or a ``many=True`` list of one recurses into
its class's plan (a manager is read with ``.all()``, as ``ListSerializer`` does).
``SerializerMethodField`` calls its method on a serializer made for this render,
``S(context=context)`` (``__init__`` is cheap; only ``.fields`` costs), so the method sees
the real context (and ``self.instance``, at the top as DRF sets it).

The contract, i.e. what is compiled (anything else renders through DRF, silently):

- Only fields whose ``to_representation`` depends on nothing but their init arguments
  and settings: exactly the classes in ``PLAIN_FIELDS`` (exact class, not subclasses,
  which may override anything), ``JSONObjectField`` / ``DictField`` whose child is one
  of them (or DRF's pass-through default), ``SerializerMethodField``, a nested
  ``Serializer`` subclass and a plain ``ListSerializer`` (``many=True``) of one. What a
  field reads when it renders is still read then: ``DateTimeField`` takes the time zone
  active at that moment, ``DecimalField`` the active language if it localizes. A
  default that needs the context (``requires_context``) is not compiled.
- A serializer class compiles only if every one of its readable fields does, nested
  ones included, and it leaves DRF's rendering machinery alone: it does not override
  ``to_representation``, ``__init__``, ``get_fields``, ``fields``, ``data``, ... (see
  ``_RENDERING_HOOKS``). ``ModelSerializer`` classes are not compiled (their fields are
  built by overridable model introspection); they render through DRF.
- If one nested serializer does not compile, its whole enclosing class renders through
  DRF.
- Not reproduced: a ``get_<field>`` method of a *nested* serializer sees a standalone
  serializer (no ``parent``, ``field_name``, and ``root`` is itself; the context is the
  same). No method of ours looks at those.
- The result is a plain ``dict`` (``list``), not DRF's ``ReturnDict`` with its
  ``.serializer`` backlink (only DRF's browsable HTML renderer looks at it, and the API
  renders JSON only: ``REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]``).
- ``instance=None`` renders through DRF (its ``.data`` is then the initial data).

DRF 3.18's allowed fields read settings when they render, none when they are made;
settings changes (``override_settings`` in tests) drop the compiled plans all the same,
should a field class ever read one at init.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.signals import setting_changed
from django.db.models.manager import BaseManager
from django.dispatch import receiver
from rest_framework import fields as drf_fields
from rest_framework import serializers as drf_serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from apps.common.fields import JSONObjectField, WallClockTimeField

# Field classes whose to_representation reads only the field's init arguments and
# settings (checked against DRF 3.18's source; WallClockTimeField is a TimeField with a
# format, JSONObjectField a DictField whose child is checked below).
PLAIN_FIELDS: frozenset[type] = frozenset({
    drf_fields.BooleanField,
    drf_fields.CharField,
    drf_fields.ChoiceField,
    drf_fields.DateField,
    drf_fields.DateTimeField,
    drf_fields.DecimalField,
    drf_fields.EmailField,
    drf_fields.FloatField,
    drf_fields.IntegerField,
    drf_fields.JSONField,
    drf_fields.ReadOnlyField,
    drf_fields.SlugField,
    drf_fields.TimeField,
    drf_fields.UUIDField,
    WallClockTimeField,
})
_DICT_FIELDS: frozenset[type] = frozenset({JSONObjectField, drf_fields.DictField})
_DICT_CHILDREN: frozenset[type] = PLAIN_FIELDS | {drf_fields._UnvalidatedField}

# What a serializer class must inherit from DRF unchanged for its output to be what
# Serializer.to_representation makes of its declared fields.
_RENDERING_HOOKS = (
    "__new__", "__init__", "many_init", "bind", "context", "root", "fields", "get_fields",
    "_readable_fields", "get_attribute", "to_representation", "data", "get_initial",
)
_DRF_BASES = (drf_serializers.Serializer, drf_serializers.BaseSerializer, drf_fields.Field, object)

# Steps of a plan
_PLAIN, _NESTED, _LIST, _METHOD = range(4)

_plans: dict[type, _Plan | None] = {}


class _Plan:
    """The bound template fields of one serializer class, in output order."""

    __slots__ = ("cls", "steps", "has_methods")

    def __init__(self, cls: type, steps: list[tuple]):
        self.cls = cls
        self.steps = steps
        self.has_methods = any(kind == _METHOD for _name, kind, _field, _sub in steps)


class _Uncompilable(Exception):
    pass


def render(serializer_class: type, instance: Any, *, context: dict | None = None) -> dict:
    """``serializer_class(instance, context=context).data``, from the compiled plan."""
    plan = _plan_for(serializer_class)
    if plan is None or instance is None:
        return serializer_class(instance, context=_ctx(context)).data
    ctx = _ctx(context)
    shells: dict = {}
    # DRF's top-level serializer holds the instance; a method may read self.instance.
    if plan.has_methods:
        shells[id(plan)] = plan.cls(instance, context=ctx)
    return _render(plan, instance, ctx, shells)


def render_many(serializer_class: type, instances: Iterable, *, context: dict | None = None) -> list[dict]:
    """``serializer_class(instances, many=True, context=context).data``, from the plan."""
    plan = _plan_for(serializer_class)
    if plan is None or instances is None:
        return serializer_class(instances, many=True, context=_ctx(context)).data
    ctx = _ctx(context)
    shells: dict = {}
    if plan.has_methods:
        # many_init hands the child the same positional argument: the whole list
        shells[id(plan)] = plan.cls(instances, context=ctx)
    iterable = instances.all() if isinstance(instances, BaseManager) else instances
    return [_render(plan, item, ctx, shells) for item in iterable]


def _ctx(context: dict | None) -> dict:
    return {} if context is None else context


def _render(plan: _Plan, obj: Any, context: dict, shells: dict) -> dict:
    # Serializer.to_representation, with the fields bound once per class.
    ret = {}
    for name, kind, field, sub in plan.steps:
        try:
            attribute = field.get_attribute(obj)
        except SkipField:
            continue
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        if check_for_none is None:
            ret[name] = None
        elif kind == _PLAIN:
            ret[name] = field.to_representation(attribute)
        elif kind == _NESTED:
            ret[name] = _render(sub, attribute, context, shells)
        elif kind == _LIST:
            items = attribute.all() if isinstance(attribute, BaseManager) else attribute
            ret[name] = [_render(sub, item, context, shells) for item in items]
        else:  # _METHOD: sub is the method name, called on this render's serializer
            shell = shells.get(id(plan))
            if shell is None:
                shell = shells[id(plan)] = plan.cls(context=context)
            ret[name] = getattr(shell, sub)(attribute)
    return ret


# --- compiling ---------------------------------------------------------------------------


def _plan_for(serializer_class: type) -> _Plan | None:
    try:
        return _plans[serializer_class]
    except KeyError:
        pass
    # A race compiles twice and keeps either result: both are the same.
    try:
        plan = _compile(serializer_class, frozenset())
    except _Uncompilable:
        plan = None
    _plans[serializer_class] = plan
    return plan


def _compile(cls: type, compiling: frozenset[type]) -> _Plan:
    if cls in _plans:
        plan = _plans[cls]
        if plan is None:
            raise _Uncompilable(cls)
        return plan
    if cls in compiling or not _renders_as_drf(cls):
        raise _Uncompilable(cls)
    compiling = compiling | {cls}
    template = cls(context={})
    steps: list[tuple] = []
    for name, field in template.fields.items():
        if field.write_only:
            continue
        if callable(field.default) and getattr(field.default, "requires_context", False):
            raise _Uncompilable(cls)
        kind = type(field)
        if kind in PLAIN_FIELDS:
            steps.append((name, _PLAIN, field, None))
        elif kind in _DICT_FIELDS and type(field.child) in _DICT_CHILDREN:
            steps.append((name, _PLAIN, field, None))
        elif kind is drf_fields.SerializerMethodField:
            steps.append((name, _METHOD, field, field.method_name))
        elif kind is drf_serializers.ListSerializer:
            steps.append((name, _LIST, field, _compile(type(field.child), compiling)))
        elif isinstance(field, drf_serializers.Serializer):
            steps.append((name, _NESTED, field, _compile(kind, compiling)))
        else:
            raise _Uncompilable(cls)
    plan = _Plan(cls, steps)
    _plans.setdefault(cls, plan)
    return plan


def _renders_as_drf(cls: type) -> bool:
    if not issubclass(cls, drf_serializers.Serializer) or issubclass(cls, drf_serializers.ModelSerializer):
        return False
    for name in _RENDERING_HOOKS:
        owner = next((c for c in cls.__mro__ if name in vars(c)), None)
        if owner not in _DRF_BASES:
            return False
    return True


@receiver(setting_changed)
def _drop_plans(**kwargs) -> None:
    # Cheap insurance: a template field that read a setting when it was made would keep
    # the old value (DRF's api_settings reload on the same signal).
    _plans.clear()
