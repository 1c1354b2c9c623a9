"""A Celery app for one integration test: ``config.celery``'s, whose worker processes make
the night audit pause inside its transaction (right after it posted the room nights),
so the test can kill the process there.

Test code only: the worker is started with ``-A apps.night_audit.tests.pausing_worker``;
production code has no such hook. The first attempt that finds ``PMS_TEST_PAUSE_FILE``
missing creates it with its pid, touches ``<file>.ready`` and sleeps; later attempts go on.
``PMS_TEST_PAUSE_AT=database``: the pause is a statement PostgreSQL runs (``pg_sleep``),
after the audit closed the store's gate.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from config.celery import app  # noqa: F401 - the app the worker runs


def _first_attempt() -> bool:
    path = os.environ["PMS_TEST_PAUSE_FILE"]
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False  # a later attempt: carry on
    with os.fdopen(fd, "w") as f:
        f.write(str(os.getpid()))
    Path(path + ".ready").touch()
    return True


def _pause() -> None:
    if _first_attempt():
        time.sleep(120)


def _pause_in_the_database() -> None:
    """The pause inside a statement that PostgreSQL runs (a long one, as a big store's):
    the worker waits for its answer, its session holds the day and the audit gate."""
    from django.db import connection

    if not os.path.exists(os.environ["PMS_TEST_PAUSE_FILE"]):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the session is busy from here on: no race with the kill
        if _first_attempt():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(120)")


@worker_process_init.connect
def _pause_the_audit(**_kwargs) -> None:
    from apps.night_audit import services

    if os.environ.get("PMS_TEST_PAUSE_AT") == "database":
        # after the audit took the store's gate: the store's postings wait for it
        gate_close = services.business_day_gate_close

        def close_then_pause(**kwargs):
            gate_close(**kwargs)
            _pause_in_the_database()

        services.business_day_gate_close = close_then_pause
        return

    post = services.folio_post_room_nights

    def post_then_pause(**kwargs):
        posted = post(**kwargs)
        _pause()
        return posted

    services.folio_post_room_nights = post_then_pause
