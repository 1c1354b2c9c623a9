"""Reference data cached in each process, never staler than the database.

What every request reads and almost never changes (the caller's token and user, the
stores they may work in, a store's business date) is kept in the process's memory,
grouped by **area**. Each area of a tenant has a **version** in the tenant's own table
(``ReferenceVersion``). PostgreSQL bumps it: a trigger on every table behind an area
(migration ``tenancy.0004``) takes a new number from a sequence in the transaction of any
statement that changes the table, whatever path the change takes (services, the Django
admin, ``QuerySet.update()``, psql). A request reads the versions of every area once, in
one small query, before it first uses the cache; an entry cached under another version is
dropped and loaded again. So:

- a change is seen by every process as soon as it commits, and never before (the bump
  commits or rolls back with it): there is no invalidation message to lose;
- a version is never reused (a sequence; a rolled-back bump's number is never seen
  committed), so an entry can never be mistaken for a newer one;
- a request that started before a change committed may still use what it read before
  the change, exactly as if it had read the database then.

A request that changes reference data and then reads it again must see its own change,
but it read the versions before it made it: the code that makes such changes calls
``reference_changed`` (``forget_on_change``, wired by each owning app, for saves and
deletes, the services that ``update()`` for themselves), which makes this process forget
the area and the request read the versions again.

Outside a request (Celery tasks, commands) the versions are read at every use.
Entries are per tenant schema and area, at most ``MAX_ENTRIES`` each (least recently
used first out). Values are returned as stored: callers cache immutable values (tuples,
frozensets, bytes) or use ``cached_copy``, which hands each caller its own copy.
"""
from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import connection
from django.db.models.signals import post_delete, post_save
from django_tenants.utils import get_public_schema_name

# Users, staff profiles, API tokens, stores and the grants on them: who the caller is
# and where they may work.
ACCESS = "access"
# The stores' business dates.
BUSINESS_DAY = "business_day"
AREAS = (ACCESS, BUSINESS_DAY)

MAX_ENTRIES = 4096

T = TypeVar("T")

_VERSIONS_SQL = "SELECT area, version FROM tenancy_referenceversion"

# The versions a request read, by schema: set by ``ReferenceCacheMiddleware`` to an empty
# dict at the start of a request, ``None`` outside requests.
_request_versions: ContextVar[dict[str, dict[str, int]] | None] = ContextVar("reference_versions", default=None)
_lock = threading.Lock()
# (schema, area) -> (version, entries)
_store: dict[tuple[str, str], tuple[int, OrderedDict]] = {}


def _read_versions() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(_VERSIONS_SQL)
        return dict(cursor.fetchall())


def _version(area: str) -> int:
    schema = connection.schema_name
    memo = _request_versions.get()
    if memo is None:
        return _read_versions().get(area, 0)
    versions = memo.get(schema)
    if versions is None:
        versions = memo[schema] = _read_versions()
    return versions.get(area, 0)


def cached(area: str, key: Hashable, load: Callable[[], T], *, keep_none: bool = True) -> T:
    """The value of ``key`` in ``area`` of the current tenant: from this process's memory
    if it was loaded under the area's current version, else ``load()`` (and kept, unless
    it is None and ``keep_none`` is false: what does not exist yet may be created without
    a bump, and unknown keys must not fill the memory)."""
    slot = (connection.schema_name, area)
    version = _version(area)
    with _lock:
        found = _store.get(slot)
        if found is not None and found[0] == version and key in found[1]:
            entries = found[1]
            entries.move_to_end(key)
            return entries[key]
    value = load()
    if value is None and not keep_none:
        return value
    with _lock:
        found = _store.get(slot)
        if found is None or found[0] != version:
            found = _store[slot] = (version, OrderedDict())
        entries = found[1]
        entries[key] = value
        if len(entries) > MAX_ENTRIES:
            entries.popitem(last=False)
    return value


def cached_copy(area: str, key: Hashable, load: Callable[[], T], *, keep_none: bool = True) -> T:
    """``cached`` for mutable values (model instances and lists of them, with the related
    instances they hold): kept pickled, each caller gets its own copy, so no request ever
    shares an instance with another."""

    def frozen():
        value = load()
        return None if value is None else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    data = cached(area, key, frozen, keep_none=keep_none)
    return None if data is None else pickle.loads(data)  # bytes this process pickled itself


class Copies:
    """Instances by key, each kept pickled: ``get`` hands out a fresh copy of one."""

    def __init__(self, instances: dict[Hashable, Any]):
        self._frozen = {k: pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL) for k, v in instances.items()}

    def get(self, key: Hashable) -> Any | None:
        data = self._frozen.get(key)
        return None if data is None else pickle.loads(data)  # bytes this process pickled itself

    def __len__(self) -> int:
        return len(self._frozen)


def cached_copies(area: str, key: Hashable, load: Callable[[], dict[Hashable, Any]]) -> Copies:
    """``cached_copy`` for a table's rows read at once (``load()``: instances by key), of
    which callers want one at a time: one query, then a copy of the one asked for."""
    return cached(area, key, lambda: Copies(load()))


def reference_changed(*areas: str) -> None:
    """The caller changed data of ``areas`` in its transaction (the database has bumped
    their versions for every other process): this process forgets what it cached of them
    now, and the current request reads the versions again at its next use, so that it sees
    its own change."""
    schema = connection.schema_name
    with _lock:
        for area in areas:
            _store.pop((schema, area), None)
    memo = _request_versions.get()
    if memo is not None:
        memo.pop(schema, None)


def forget_on_change(area: str, *models: type, unless_only: frozenset[str] = frozenset()) -> None:
    """A save or delete of one of ``models`` in a tenant makes this process and its current
    request forget ``area`` (``reference_changed``), so the request sees its own change; a
    save of ``unless_only`` fields alone (bookkeeping such as ``last_login``) does not.
    Called from the owning app's ``AppConfig.ready``. (The database's triggers tell every
    other process.)"""

    def changed(sender, update_fields=None, **kwargs) -> None:
        if update_fields is not None and set(update_fields) <= unless_only:
            return
        if connection.schema_name not in (None, get_public_schema_name()):
            reference_changed(area)

    for model in models:
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"reference_cache.{area}.save.{model.__name__}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"reference_cache.{area}.delete.{model.__name__}")


def cache_clear() -> None:
    """Forget everything this process cached (tests)."""
    with _lock:
        _store.clear()


class ReferenceCacheMiddleware:
    """Read the reference versions at most once per request (on first use)."""

    def __init__(self, get_response: Callable[[Any], Any]):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_versions.set({})
        try:
            return self.get_response(request)
        finally:
            _request_versions.reset(token)
