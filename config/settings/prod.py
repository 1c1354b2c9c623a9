"""Production: behind a TLS-terminating proxy (docs/operations.md, "Production settings").

Every value comes from the environment; with the variables the operations doc gives,
``manage.py check --deploy`` prints no warning (tests/test_security_headers.py).
"""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- HTTPS -------------------------------------------------------------------------
# Browsers come back over HTTPS only, for a year, subdomains included (HSTS). Start a new
# deployment with a short DJANGO_SECURE_HSTS_SECONDS (e.g. 300) and raise it once HTTPS
# works; preload only when the domain is submitted to the browsers' preload list.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# The proxy in front terminates TLS and says so in this header (it must overwrite any
# value a client sent). Empty DJANGO_SECURE_PROXY_SSL_HEADER: not behind such a proxy.
_proxy_ssl = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl) if _proxy_ssl else None
# Plain HTTP is redirected to HTTPS by Django too (the proxy usually does it first).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The probes (liveness, readiness) and Prometheus' scrape come over plain HTTP from the load
# balancer, the container runtime and the monitoring inside the network.
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$", r"^t/[a-z0-9-]+/(healthz|readyz)$"]
# security.W021 (no HSTS preload) is silenced while preloading is off, on purpose: the
# `preload` token lets anyone submit the operator's domain, every subdomain included, to
# the browsers' built-in list, which takes months to leave. The operator opts in with
# DJANGO_SECURE_HSTS_PRELOAD=true (and then the check is not silenced).
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
