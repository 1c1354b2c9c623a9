"""REST endpoints of members, mounted under /t/<tenant>/api/v1/ (store-scoped, under stores/<int:store_id>/)."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.members import api

router = SimpleRouter(use_regex_path=False)
router.register("members", api.MemberViewSet, basename="api-member")
router.register("member-levels", api.LevelViewSet, basename="api-member-level")

S = "stores/<int:store_id>/"

urlpatterns = [
    path(S, include(router.urls)),
    path(S + "folios/<int:folio_id>/member-payments/", api.FolioMemberPaymentApi.as_view(), name="api-folio-member-pay"),
    path(S + "folios/<int:folio_id>/member-payments/<int:tx_id>/void/", api.FolioMemberPaymentVoidApi.as_view(),
         name="api-folio-member-void"),
    path(S + "member-figures/", api.MemberFiguresApi.as_view(), name="api-member-figures"),
    path(S + "member-settlement/", api.MemberSettlementApi.as_view(), name="api-member-settlement"),
    path(S + "blacklist/", api.BlacklistApi.as_view(), name="api-blacklist"),
    path(S + "blacklist/<int:entry_id>/lift/", api.BlacklistLiftApi.as_view(), name="api-blacklist-lift"),
]
