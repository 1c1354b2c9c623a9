"""Back-office pages of members, mounted at the tenant root (store pages under s/<int:store_id>/)."""
from django.urls import path

from apps.members import views

urlpatterns = [
    path("s/<int:store_id>/members/", views.MemberListView.as_view(), name="member-list"),
    path("s/<int:store_id>/members/report/", views.MemberReportView.as_view(), name="member-report"),
    path("s/<int:store_id>/members/levels/", views.LevelSettingsView.as_view(), name="member-levels"),
    path("s/<int:store_id>/members/<int:member_id>/", views.MemberDetailView.as_view(), name="member-detail"),
]
