"""The versioned REST API of a tenant (served under /t/<tenant>/api/v1/)."""
from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("apps.tenancy.urls_api")),
]
