"""REST endpoints of iCal, mounted under /t/<tenant>/api/v1/stores/<int:store_id>/ical/."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.ical import api

router = SimpleRouter(use_regex_path=False)
router.register("exports", api.ExportViewSet, basename="api-ical-export")
router.register("imports", api.ImportViewSet, basename="api-ical-import")

urlpatterns = [path("stores/<int:store_id>/ical/", include(router.urls))]
