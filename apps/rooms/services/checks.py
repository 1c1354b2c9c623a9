"""What the rooms services share: a refusal as field errors, a unique index's name read from its violation."""
from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError

from apps.common.errors import DomainValidationError
from apps.rooms.models import Room

logger = logging.getLogger(__name__)


Housekeeping = Room.Housekeeping


# The longest lock the desk can set in one go; a longer closure is a deactivation.
LOCK_MAX_NIGHTS = 366


def _invalid(code: str, message: str, fields: dict[str, str | list[str]], **extra: Any) -> DomainValidationError:
    return DomainValidationError(
        code, message, extra={"fields": {k: v if isinstance(v, list) else [v] for k, v in fields.items()}, **extra}
    )


def _unique_violation(exc: IntegrityError, constraint: str) -> bool:
    return constraint in str(exc)
