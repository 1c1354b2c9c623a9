# Production image: gunicorn serving the app as a non-root user, static files collected.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.prod

# postgresql-client: pg_dump, pg_restore and psql of `manage.py tenant_export|tenant_restore`
# (docs/operations.md, "Backups and restore"); Debian 12's is PostgreSQL 15's.
RUN apt-get update && apt-get install -y --no-install-recommends gettext postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 pms

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=pms:pms . .
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput

USER pms
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# Run `python manage.py setup_db` once per release (migrations + template schema) before starting.
# Workers and threads: gunicorn.conf.py (four sync workers per core; WEB_CONCURRENCY overrides).
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
