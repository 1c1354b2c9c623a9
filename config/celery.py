"""Celery application.

Tasks run in the schema of the tenant that enqueued them: every task takes the
tenant's schema name explicitly (see ``apps.common.tasks.tenant_task``), so a worker
never relies on a search_path left over from a previous task.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("pms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
