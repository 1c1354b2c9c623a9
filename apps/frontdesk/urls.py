"""Back-office pages of the front desk, mounted at the tenant root (store pages under s/<int:store_id>/)."""
from django.urls import path

from apps.frontdesk import views

S = "s/<int:store_id>/"

urlpatterns = [
    path(S + "grid/", views.RoomGridView.as_view(), name="room-grid"),
    path(S + "today/", views.TodayView.as_view(), name="desk-today"),
    path(S + "changes/", views.DeskChangesView.as_view(), name="desk-changes"),
    path(S + "orders/new/", views.BookingView.as_view(), name="order-create"),
    path(S + "orders/<int:pk>/check-in/", views.CheckInView.as_view(), name="order-check-in"),
    path(S + "orders/<int:pk>/check-out/", views.CheckOutView.as_view(), name="order-check-out"),
    path(S + "orders/<int:pk>/cancel/", views.CancelView.as_view(), name="order-cancel"),
    path(S + "orders/<int:pk>/no-show/", views.NoShowView.as_view(), name="order-no-show"),
    path(S + "orders/<int:pk>/extend/", views.ExtendView.as_view(), name="order-extend"),
    path(S + "guests/<int:pk>/", views.GuestDetailView.as_view(), name="guest-detail"),
]
