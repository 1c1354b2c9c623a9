"""REST endpoints of the front desk, mounted under /t/<tenant>/api/v1/ (store-scoped, under stores/<int:store_id>/)."""
from django.urls import path

from apps.frontdesk import api

urlpatterns = [
    path("stores/<int:store_id>/grid/", api.RoomGridApi.as_view(), name="api-room-grid"),
    path("stores/<int:store_id>/today/", api.TodayApi.as_view(), name="api-today"),
    path("stores/<int:store_id>/orders/<int:pk>/check-out/", api.OrderCheckOutApi.as_view(), name="api-order-check-out"),
    path("stores/<int:store_id>/orders/<int:pk>/cancel/", api.OrderCancelApi.as_view(), name="api-order-cancel"),
    path("stores/<int:store_id>/orders/<int:pk>/no-show/", api.OrderNoShowApi.as_view(), name="api-order-no-show"),
    path("stores/<int:store_id>/orders/<int:pk>/extend/", api.OrderExtendApi.as_view(), name="api-order-extend"),
]
