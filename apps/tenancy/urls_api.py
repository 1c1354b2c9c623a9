from django.urls import path

from apps.tenancy import api

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("me/current-store/", api.CurrentStoreApi.as_view(), name="api-me-current-store"),
    path("stores/", api.StoreListApi.as_view(), name="api-store-list"),
    path("stores/<int:store_id>/", api.StoreDetailApi.as_view(), name="api-store-detail"),
    path("stores/<int:store_id>/settings/", api.StoreSettingListApi.as_view(), name="api-store-settings"),
    path("stores/<int:store_id>/settings/<slug:group>/<slug:key>/", api.StoreSettingApi.as_view(), name="api-store-setting"),
]
