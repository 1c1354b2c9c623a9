"""REST endpoints of rooms, mounted under /t/<tenant>/api/v1/ (store-scoped ones under stores/<int:store_id>/)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.rooms import api

router = SimpleRouter(use_regex_path=False)
router.register("room-types", api.RoomTypeViewSet, basename="api-room-type")
router.register("rooms", api.RoomViewSet, basename="api-room")
router.register("locks", api.RoomLockViewSet, basename="api-room-lock")
router.register("pricing-rules", api.PricingRuleViewSet, basename="api-pricing-rule")
router.register("ari", api.AriViewSet, basename="api-ari")
router.register("restrictions", api.RestrictionViewSet, basename="api-restriction")

housekeeping = api.RoomHousekeepingViewSet.as_view({"get": "list", "post": "create"})

urlpatterns = [
    path("stores/<int:store_id>/", include(router.urls)),
    path("stores/<int:store_id>/rooms/<int:room_id>/housekeeping/", housekeeping, name="api-room-housekeeping"),
]
