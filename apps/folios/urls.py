"""Back-office pages of folios, mounted at the tenant root (store pages under s/<int:store_id>/)."""
from django.urls import path

from apps.folios import views

urlpatterns = [
    path("s/<int:store_id>/folios/<int:folio_id>/print/", views.FolioPrintView.as_view(), name="folio-print"),
]
