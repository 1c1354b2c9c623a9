"""The versioned REST API of a tenant (served under /t/<tenant>/api/v1/)."""
from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("apps.tenancy.urls_api")),
    path("api/v1/", include("apps.rooms.urls_api")),
    path("api/v1/", include("apps.contacts.urls_api")),
    path("api/v1/", include("apps.orders.urls_api")),
    path("api/v1/", include("apps.folios.urls_api")),
    path("api/v1/", include("apps.reports.urls_api")),
    path("api/v1/", include("apps.notifications.urls_api")),
    path("api/v1/", include("apps.mobile.urls_api")),
]
