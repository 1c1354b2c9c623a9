"""The versioned REST API of a tenant (served under /t/<tenant>/api/v1/).

Order: Django tries the apps' patterns one after another and, for every app whose
patterns all fail, builds the list of what it tried (for a 404's debug page); reaching
the last app cost ~3 % of an owner-app request's CPU. The busiest callers come first:
the owner app (apps.mobile), then bookings (apps.orders). No two apps' patterns match
the same path (``apps/tenancy/tests/test_urls.py``), so the order changes nothing else.
"""
from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("apps.mobile.urls_api")),
    path("api/v1/", include("apps.orders.urls_api")),
    path("api/v1/", include("apps.tenancy.urls_api")),
    path("api/v1/", include("apps.rooms.urls_api")),
    path("api/v1/", include("apps.contacts.urls_api")),
    path("api/v1/", include("apps.folios.urls_api")),
    path("api/v1/", include("apps.members.urls_api")),
    path("api/v1/", include("apps.frontdesk.urls_api")),
    path("api/v1/", include("apps.night_audit.urls_api")),
    path("api/v1/", include("apps.webhooks.urls_api")),
    path("api/v1/", include("apps.ical.urls_api")),
    path("api/v1/", include("apps.reports.urls_api")),
    path("api/v1/", include("apps.notifications.urls_api")),
]
