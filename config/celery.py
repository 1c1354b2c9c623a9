"""Celery application.

Tasks run in the schema of the tenant that enqueued them: every task takes the
tenant's schema name explicitly (see ``apps.common.tasks.tenant_task``), so a worker
never relies on a search_path left over from a previous task.

Database connections: Celery's Django fixup closes every connection before and after
each task unless ``CELERY_DB_REUSE_MAX`` is set (a new PostgreSQL backend, with cold
catalog caches, per task: most of a short task's time). We set it high and apply
Django's own rule instead, as a request does: ``close_old_connections()`` around each
task closes a connection older than ``CONN_MAX_AGE``, failed health check or left in
an error state.
"""
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init

from apps.common.request_context import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("pms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The request id travels with each task queued and is bound in the worker for the task's
# log lines; task failures are counted (apps/common/request_context.py).
connect_celery_signals()


@worker_init.connect
def _serve_worker_metrics(**kwargs):
    """``PMS_WORKER_METRICS_PORT``: the worker's metrics (its pool processes' too, through
    ``PROMETHEUS_MULTIPROC_DIR``) on that port, for a worker on a host or pod of its own."""
    from django.conf import settings

    from apps.common.metrics import worker_metrics_serve

    if settings.PMS_WORKER_METRICS_PORT:
        worker_metrics_serve(port=settings.PMS_WORKER_METRICS_PORT)


@worker_process_init.connect
def _tracing_in_pool_process(**kwargs):
    from apps.common.tracing import tracing_setup

    tracing_setup(service="pms-worker")


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(sender=None, **kwargs):
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # eager (tests, PMS_NO_REDIS): inside the caller's own connection and transaction
    from django.db import close_old_connections

    close_old_connections()
