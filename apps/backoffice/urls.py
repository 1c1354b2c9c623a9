"""Back-office settings pages, mounted at the tenant root (docs/backoffice.md, "Settings")."""
from django.urls import path

from apps.backoffice import views

S = "s/<int:store_id>/settings/"

urlpatterns = [
    path(S, views.SettingsHomeView.as_view(), name="store-settings"),
    path(S + "profile/", views.StoreProfileView.as_view(), name="bo-store-profile"),
    path(S + "staff/", views.StaffListView.as_view(), name="bo-staff"),
    path(S + "staff/new/", views.StaffCreateView.as_view(), name="bo-staff-new"),
    path(S + "staff/<int:user_id>/", views.StaffEditView.as_view(), name="bo-staff-edit"),
    path(S + "stores/", views.StoreListView.as_view(), name="bo-stores"),
    path(S + "room-types/", views.RoomTypeListView.as_view(), name="bo-room-types"),
    path(S + "room-types/new/", views.RoomTypeEditView.as_view(), name="bo-room-type-new"),
    path(S + "room-types/<int:pk>/", views.RoomTypeEditView.as_view(), name="bo-room-type-edit"),
    path(S + "rooms/", views.RoomListView.as_view(), name="bo-rooms"),
    path(S + "rooms/<int:pk>/", views.RoomEditView.as_view(), name="bo-room-edit"),
    path(S + "changes/", views.ChangeListView.as_view(), name="bo-changes"),
    path(S + "other/", views.SettingListView.as_view(), name="bo-settings"),
    path(S + "<slug:kind>/", views.CatalogueListView.as_view(), name="bo-catalogue"),
    path(S + "<slug:kind>/new/", views.CatalogueEditView.as_view(), name="bo-catalogue-new"),
    path(S + "<slug:kind>/<int:pk>/", views.CatalogueEditView.as_view(), name="bo-catalogue-edit"),
    path("media/<path:name>", views.media, name="media"),
]
