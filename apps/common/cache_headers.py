"""``Cache-Control: no-store`` on every answer to a signed-in user.

Back-office pages and API answers carry guests' names, rooms and money: neither the
browser's disk cache (a shared desk computer, the back button after log-out) nor a proxy
may keep them. Static files are served before this middleware (WhiteNoise) and keep their
long cache; an answer that sets its own Cache-Control keeps it. Anonymous pages (log-in,
health) are left alone.
"""
from __future__ import annotations

from django.utils.cache import add_never_cache_headers


class NoStoreWhenSignedInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # DRF sets the user it authenticated (token or session) on the Django request too.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
