"""REST endpoints of the owner's app, mounted under /t/<tenant>/api/v1/: over the user's
stores under ``m/``, store-scoped ones under ``stores/<int:store_id>/m/``."""
from django.urls import path

from apps.mobile import api

urlpatterns = [
    path("m/overview/", api.OverviewApi.as_view(), name="api-mobile-overview"),
    path("m/reminders/", api.RemindersApi.as_view(), name="api-mobile-reminders"),
    path("stores/<int:store_id>/m/room-status/", api.RoomStatusApi.as_view(), name="api-mobile-room-status"),
    path("stores/<int:store_id>/m/today/", api.TodayApi.as_view(), name="api-mobile-today"),
    path("stores/<int:store_id>/m/orders/<int:order_id>/check-in/", api.CheckInApi.as_view(), name="api-mobile-check-in"),
    path("stores/<int:store_id>/m/orders/<int:order_id>/check-out/", api.CheckOutApi.as_view(), name="api-mobile-check-out"),
    path("stores/<int:store_id>/m/rooms/<int:room_id>/housekeeping/", api.HousekeepingApi.as_view(),
         name="api-mobile-housekeeping"),
]
