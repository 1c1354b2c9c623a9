"""Back-office pages of rooms, mounted at the tenant root (store pages under s/<int:store_id>/)."""
from django.urls import path

from apps.rooms import views

urlpatterns = [
    path("s/<int:store_id>/rooms/<int:room_id>/panel/", views.RoomPanelView.as_view(), name="room-panel"),
    path("s/<int:store_id>/rooms/<int:room_id>/housekeeping/", views.RoomHousekeepingView.as_view(), name="room-housekeeping"),
    path("s/<int:store_id>/rooms/<int:room_id>/locks/", views.RoomLockCreateView.as_view(), name="room-lock-create"),
    path("s/<int:store_id>/locks/<int:lock_id>/release/", views.RoomLockReleaseView.as_view(), name="room-lock-release"),
]
