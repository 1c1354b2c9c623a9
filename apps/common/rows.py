"""Model instances from hand-written SQL, for the few queries every request runs.

Compiling a queryset costs ~1 ms of CPU per query here (joins and ``select_related``
more), which is most of what the bearer token lookup or the store scope cost before. A
query that every request runs is therefore written once as SQL, and its rows are turned
into instances exactly as the ORM would: the model's concrete columns in field order,
the same database converters (``from_db_value``), ``Model.from_db``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Model


class Columns:
    """The concrete columns of ``model`` as ``alias.column`` for a SELECT list, and
    ``build(row, offset)`` to make an instance of the ``width`` values found there."""

    def __init__(self, model: type[Model], alias: str):
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self._converters: dict[str, list[tuple[int, Any, Any]]] = {}

    def sql(self, using: str = "default") -> str:
        qn = connections[using].ops.quote_name
        return ", ".join(f"{self.alias}.{qn(f.column)}" for f in self.fields)

    def converters(self, using: str) -> list[tuple[int, Any, Any]]:
        found = self._converters.get(using)
        if found is None:
            connection = connections[using]
            found = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                funcs = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                if funcs:
                    found.append((i, col, funcs))
            self._converters[using] = found
        return found

    def build(self, row: Sequence, offset: int = 0, using: str = "default") -> Model:
        values = list(row[offset:offset + self.width])
        connection = connections[using]
        for i, col, funcs in self.converters(using):
            for func in funcs:
                values[i] = func(values[i], col, connection)
        return self.model.from_db(using, self.attnames, values)

    def is_null(self, row: Sequence, offset: int = 0) -> bool:
        """Whether the columns at ``offset`` came from a LEFT JOIN that matched nothing
        (the primary key is NULL)."""
        pk_index = next(i for i, f in enumerate(self.fields) if f.primary_key)
        return row[offset + pk_index] is None
