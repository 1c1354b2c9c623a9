"""Production-like settings for benchmarks on loopback (DEBUG off, no secure cookies)."""
from .base import *  # noqa: F401,F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Benchmarks and fault runs drive one tenant (often one token) at full speed: the API rate
# limits (docs/operations.md, "Per-tenant limits") would measure themselves, so they are off
# unless the run's environment sets them.
PMS_API_RATE_PER_TOKEN = env.int("PMS_API_RATE_PER_TOKEN", default=0)  # noqa: F405
PMS_API_RATE_PER_TENANT = env.int("PMS_API_RATE_PER_TENANT", default=0)  # noqa: F405
