"""REST endpoints of folios, mounted under /t/<tenant>/api/v1/ (store-scoped ones under stores/<int:store_id>/)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.folios import api

router = SimpleRouter(use_regex_path=False)
router.register("folios", api.FolioViewSet, basename="api-folio")
router.register("payment-methods", api.PaymentMethodViewSet, basename="api-payment-method")
router.register("extra-items", api.ExtraItemViewSet, basename="api-extra-item")

urlpatterns = [
    path("stores/<int:store_id>/", include(router.urls)),
    path("stores/<int:store_id>/orders/<int:order_id>/folios/", api.OrderFolioApi.as_view(), name="api-order-folios"),
]
