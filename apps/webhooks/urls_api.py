"""REST endpoints of webhooks, mounted under /t/<tenant>/api/v1/stores/<int:store_id>/."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.webhooks import api

router = SimpleRouter(use_regex_path=False)
router.register("webhooks", api.SubscriptionViewSet, basename="api-webhook")

urlpatterns = [path("stores/<int:store_id>/", include(router.urls))]
