"""Back-office pages of folios, mounted at the tenant root (store pages under s/<int:store_id>/)."""
from django.urls import path

from apps.folios import views

F = "s/<int:store_id>/folios/<int:folio_id>/"

urlpatterns = [
    path("s/<int:store_id>/orders/<int:order_id>/folio/", views.OrderFolioView.as_view(), name="order-folio"),
    path("s/<int:store_id>/orders/<int:order_id>/folios/new/", views.FolioOpenView.as_view(), name="folio-open"),
    path(F, views.FolioDetailView.as_view(), name="folio-detail"),
    path(F + "charges/", views.FolioPostView.as_view(kind="charge"), name="folio-charge"),
    path(F + "payments/", views.FolioPostView.as_view(kind="payment"), name="folio-payment"),
    path(F + "deposits/", views.FolioPostView.as_view(kind="deposit"), name="folio-deposit"),
    path(F + "deposit-returns/", views.FolioPostView.as_view(kind="deposit_return"), name="folio-deposit-return"),
    path(F + "refunds/", views.FolioPostView.as_view(kind="refund"), name="folio-refund"),
    path(F + "discounts/", views.FolioDiscountView.as_view(), name="folio-discount"),
    path(F + "transactions/<int:tx_id>/void/", views.FolioTransactionView.as_view(kind="void"), name="folio-void"),
    path(F + "transactions/<int:tx_id>/move/", views.FolioTransactionView.as_view(kind="move"), name="folio-move"),
    path(F + "print/", views.FolioPrintView.as_view(), name="folio-print"),
]
