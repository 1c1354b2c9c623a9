"""REST endpoints of contacts, mounted under /t/<tenant>/api/v1/ (store-scoped ones under stores/<int:store_id>/)."""
from django.urls import path

from apps.contacts import api

V = api.ContactViewSet
BASE = "stores/<int:store_id>/contacts/"

urlpatterns = [
    path("contacts/", api.TenantContactSearchApi.as_view(), name="api-tenant-contact-search"),
    path("contacts/lookup/", api.TenantContactLookupApi.as_view(), name="api-tenant-contact-lookup"),
    path(BASE, V.as_view({"get": "list", "post": "create"}), name="api-contact-list"),
    path(BASE + "lookup/", V.as_view({"post": "lookup"}, pagination_class=None), name="api-contact-lookup"),
    path(BASE + "<int:pk>/", V.as_view({"get": "retrieve", "patch": "partial_update"}), name="api-contact-detail"),
    path(BASE + "<int:pk>/reveal/", V.as_view({"post": "reveal"}), name="api-contact-reveal"),
    path(BASE + "<int:pk>/reveal-log/", V.as_view({"get": "reveal_log"}), name="api-contact-reveal-log"),
    path(BASE + "<int:pk>/export/", V.as_view({"get": "export"}), name="api-contact-export"),
    path(BASE + "<int:pk>/erase/", V.as_view({"post": "erase"}), name="api-contact-erase"),
]
