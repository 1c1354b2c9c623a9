"""REST endpoints of the front desk, mounted under /t/<tenant>/api/v1/ (store-scoped, under stores/<int:store_id>/)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.frontdesk import api

# The orders collection and its actions (orders' viewset), with the create that takes money.
router = SimpleRouter(use_regex_path=False)
router.register("orders", api.DeskOrderViewSet, basename="api-order")

urlpatterns = [
    path("stores/<int:store_id>/", include(router.urls)),
    path("stores/<int:store_id>/external-orders/", api.ExternalOrderApi.as_view(), name="api-external-orders"),
    path("stores/<int:store_id>/grid/", api.RoomGridApi.as_view(), name="api-room-grid"),
    path("stores/<int:store_id>/today/", api.TodayApi.as_view(), name="api-today"),
    path("stores/<int:store_id>/orders/<int:pk>/check-in/", api.OrderCheckInApi.as_view(), name="api-order-check-in"),
    path("stores/<int:store_id>/orders/<int:pk>/check-out/", api.OrderCheckOutApi.as_view(), name="api-order-check-out"),
    path("stores/<int:store_id>/orders/<int:pk>/cancel/", api.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("stores/<int:store_id>/orders/<int:pk>/no-show/", api.OrderNoShowApi.as_view(), name="api-order-no-show"),
    path("stores/<int:store_id>/orders/<int:pk>/extend/", api.OrderExtendApi.as_view(), name="api-order-extend"),
]
