"""Log lines as JSON events with fields, the request's context merged in, personal data out.

Every ``logging`` call of the project (``logger.info("order.created", extra={...})``) and of
its dependencies goes through one ``structlog`` formatter (``LOGGING`` in the settings):

- the fields bound for the current request or task (``request_id``, ``tenant``,
  ``store_id``, ``user_id``, ``route``; ``task``, ``task_id`` in a worker: see
  ``apps.common.request_context``) are merged into each line;
- the ``extra={...}`` fields become keys of the JSON object;
- personal data never leaves in clear (``redact``): a field whose name says phone,
  document, birth date, e-mail, password, token ... is replaced whole, and in every other
  string value (the message included) a run of seven or more digits (an ID number, a
  phone number, a card) and an e-mail address are masked.

``LOG_FORMAT=console`` renders the same events readably for a terminal (development).
This module imports nothing from Django: the settings import it.
"""
from __future__ import annotations

import functools
import re
from typing import Any

import structlog

REDACTED = "[redacted]"
# Field names that hold personal data or secrets whatever their value looks like.
_SENSITIVE_KEY = re.compile(
    r"phone|mobile|tel$|id_?number|document|passport|birth|email|e_mail|password|passwd|secret|token|authorization|"
    r"cookie|address|full_name|guest_name|^name$",
    re.IGNORECASE,
)
# Fields that are ours and safe even when they hold long digit runs.
_SAFE_KEYS = frozenset({
    "request_id", "trace_id", "span_id", "task_id", "timestamp", "level", "logger", "duration_ms", "pid",
})
# A run of seven or more digits (separators allowed), an ID number's final X included;
# an e-mail address.
_DIGITS = re.compile(r"(?<![\w])\+?\d(?:[\d \-]{5,}\d)[Xx]?(?![\w])|\d{7,}[Xx]?")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


_BIG_INT = 10**9
_SUSPECT = re.compile(r"\d{7}|\d[\d \-]{5,}\d|@")


def scrub(text: str) -> str:
    """``text`` with digit runs of seven or more and e-mail addresses masked."""
    if not text or not _SUSPECT.search(text):
        return text
    return _EMAIL.sub("[email]", _DIGITS.sub("[number]", text))


@functools.lru_cache(maxsize=1024)
def _sensitive(key: str) -> bool:
    # a row's id or a count is never the data itself (token_id, document_count)
    return bool(_SENSITIVE_KEY.search(key)) and not key.endswith(("_id", "_ids", "_count", "_type", "_masked"))


def _clean(key: str, value: Any, depth: int = 0) -> Any:
    if key in _SAFE_KEYS or value is None or isinstance(value, bool | float):
        return value
    if _sensitive(key) and value not in ("", [], {}):
        return REDACTED
    if isinstance(value, int):  # ids and counts pass; ten digits or more may be a phone or an ID number
        return value if -_BIG_INT < value < _BIG_INT else "[number]"
    if isinstance(value, str):
        return scrub(value)
    if depth < 3 and isinstance(value, dict):
        return {k: _clean(str(k), v, depth + 1) for k, v in value.items()}
    if depth < 3 and isinstance(value, list | tuple):
        return [_clean(key, v, depth + 1) for v in value]
    return value


def redact(_logger, _method: str, event_dict: dict) -> dict:
    """structlog processor: personal data out of every field (see the module's docstring)."""
    return {key: _clean(key, value) for key, value in event_dict.items()}


def _drop_formatted_message(_logger, _method: str, event_dict: dict) -> dict:
    # ``message`` is set on a record by any handler that formatted it before this one: the
    # event again, not a field
    event_dict.pop("message", None)
    return event_dict


def _pre_chain() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_formatted_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def formatter(fmt: str = "json") -> dict:
    """The ``LOGGING`` formatter: ``{"()": ProcessorFormatter, ...}`` for ``json`` or ``console``."""
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False) if fmt == "console"
        else structlog.processors.JSONRenderer(ensure_ascii=False, default=str)
    )
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": _pre_chain(),
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    }


def configure_structlog() -> None:
    """``structlog.get_logger()`` loggers hand their events to ``logging`` (one output)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_pre_chain()[:1], structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(*, level: str = "INFO", fmt: str = "json") -> dict:
    """The settings' ``LOGGING``: one handler on stderr, every record one JSON line."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": formatter(fmt)},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # every request is logged once by apps.common.request_context (JSON, with its id);
            # Django's own 4xx lines would repeat it without the fields
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "WARNING"},
        },
    }
