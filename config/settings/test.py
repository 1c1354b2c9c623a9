import os
import tempfile
import uuid

from .base import *  # noqa: F401,F403
from .base import CACHES, DATABASES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": env("PMS_TEST_DB_NAME", default="test_pms")}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = os.path.join(tempfile.gettempdir(), f"pms-test-media-{os.environ.get('PMS_TEST_CACHE_PREFIX', 'x')}")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Each test run gets its own cache namespace in the shared Redis (log-in throttle counters,
# single-use WeChat codes), kept by subprocesses through the environment.
CACHES["default"]["KEY_PREFIX"] = os.environ.setdefault("PMS_TEST_CACHE_PREFIX", f"test-{uuid.uuid4().hex[:12]}")
PMS_WECHAT_CLIENT = "apps.tenancy.wechat.FakeWeChatClient"
# The tests' webhook receivers listen on loopback (apps/webhooks/tests).
PMS_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
