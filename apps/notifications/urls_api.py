"""REST endpoints of notifications, mounted under /t/<tenant>/api/v1/ (store-scoped ones under stores/<int:store_id>/)."""
from django.urls import path

from apps.notifications import api

urlpatterns = [
    path("stores/<int:store_id>/notifications/", api.NotificationListApi.as_view(), name="api-notification-list"),
    path("stores/<int:store_id>/notifications/<int:notification_id>/retry/", api.NotificationRetryApi.as_view(),
         name="api-notification-retry"),
    path("stores/<int:store_id>/notification-templates/", api.TemplateListApi.as_view(), name="api-notification-templates"),
    path("stores/<int:store_id>/notification-templates/<int:template_id>/", api.TemplateDetailApi.as_view(),
         name="api-notification-template"),
]
