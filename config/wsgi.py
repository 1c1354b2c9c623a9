import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
# A web process: its database sessions get PMS_WEB_STATEMENT_TIMEOUT_MS (config/settings/base.py).
os.environ.setdefault("PMS_PROCESS_ROLE", "web")
application = get_wsgi_application()


def _tracing() -> None:
    """OpenTelemetry when PMS_TRACING is set (apps/common/tracing.py); else nothing."""
    from apps.common.tracing import tracing_setup

    tracing_setup(service="pms-web")


def _import_urlconfs() -> None:
    """Import the URL configurations (and with them every view, serializer and service)
    now rather than in a worker's first request: with gunicorn's ``preload_app``
    (gunicorn.conf.py) that is once, in the master, before it forks the workers. Opens no
    database connection."""
    from django.conf import settings
    from django.urls import get_resolver

    for urlconf in (settings.ROOT_URLCONF, getattr(settings, "PUBLIC_SCHEMA_URLCONF", None)):
        if urlconf:
            get_resolver(urlconf).url_patterns  # noqa: B018 - imports the urlconf module


_import_urlconfs()

_tracing()
