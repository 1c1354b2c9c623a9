"""Domain errors: raised by services, rendered by the one exception handler.

Every error carries a stable machine ``code`` (from an app's ``error_codes.py``) and
a translatable message. Views never build error responses by hand.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the operation. Rendered as HTTP ``status`` (409 by default)."""

    status = 409

    def __init__(self, code: str, message: str, *, extra: dict[str, Any] | None = None, status: int | None = None):
        super().__init__(str(message))
        self.code = str(code)
        self.message = message
        self.extra = extra or {}
        if status is not None:
            self.status = status


class DomainValidationError(DomainError):
    """Input is well-formed but not acceptable (HTTP 400); ``extra["fields"]`` names the fields."""

    status = 400


class NotFoundError(DomainError):
    """The object does not exist in the caller's scope (HTTP 404, like a missing one)."""

    status = 404
