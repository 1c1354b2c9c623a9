from .base import *  # noqa: F401,F403
from .base import DATABASES, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# runserver (`make run`) serves each connection in a thread of its own: with persistent
# connections every thread that ever served a request kept a PostgreSQL connection open
# until it was garbage-collected, and a shared server ran out of them ("too many
# clients"). Here a connection lives for one request (tests/test_make_run.py).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
