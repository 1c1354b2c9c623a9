"""Back-office pages of contacts, mounted at the tenant root (store pages under s/<int:store_id>/)."""
from django.urls import path

from apps.contacts import views

urlpatterns = [
    path("s/<int:store_id>/guests/", views.GuestListView.as_view(), name="guest-list"),
]
