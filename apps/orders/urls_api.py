"""REST endpoints of orders, mounted under /t/<tenant>/api/v1/ (store-scoped ones under stores/<int:store_id>/)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.orders import api

router = SimpleRouter(use_regex_path=False)
# orders/ itself is registered by the front desk (apps.frontdesk.urls_api): its create takes
# a prepayment and a deposit with the booking.
router.register("channels", api.ChannelViewSet, basename="api-channel")
router.register("channel-mappings", api.ChannelMappingViewSet, basename="api-channel-mapping")

urlpatterns = [
    path("stores/<int:store_id>/", include(router.urls)),
    path("stores/<int:store_id>/cancellation-policy/", api.CancellationPolicyApi.as_view(), name="api-cancellation-policy"),
    path("stores/<int:store_id>/availability/", api.AvailabilityApi.as_view(), name="api-availability"),
    # external-orders/ is the front desk's (apps.frontdesk.urls_api): what the channel collected
    # is posted to the folio as a receivable from the channel.
]
