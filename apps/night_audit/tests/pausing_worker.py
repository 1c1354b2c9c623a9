"""A Celery app for one integration test: ``config.celery``'s, whose worker processes make
the night audit pause inside its transaction (right after it posted the room nights),
so the test can kill the process there.

Test code only: the worker is started with ``-A apps.night_audit.tests.pausing_worker``;
production code has no such hook. The first attempt that finds ``PMS_TEST_PAUSE_FILE``
missing creates it with its pid, touches ``<file>.ready`` and sleeps; later attempts go on.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from config.celery import app  # noqa: F401 - the app the worker runs


def _pause() -> None:
    path = os.environ["PMS_TEST_PAUSE_FILE"]
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return  # a later attempt: carry on
    with os.fdopen(fd, "w") as f:
        f.write(str(os.getpid()))
    Path(path + ".ready").touch()
    time.sleep(120)


@worker_process_init.connect
def _pause_the_audit(**_kwargs) -> None:
    from apps.night_audit import services

    post = services.folio_post_room_nights

    def post_then_pause(**kwargs):
        posted = post(**kwargs)
        _pause()
        return posted

    services.folio_post_room_nights = post_then_pause
