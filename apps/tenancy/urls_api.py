from django.urls import path

from apps.tenancy import api, api_auth

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("auth/tokens/", api.IntegrationTokenListApi.as_view(), name="api-auth-tokens"),
    path("auth/tokens/<int:token_id>/", api.IntegrationTokenApi.as_view(), name="api-auth-token"),
    path("auth/login/", api_auth.LoginApi.as_view(), name="api-auth-login"),
    path("auth/refresh/", api_auth.RefreshApi.as_view(), name="api-auth-refresh"),
    path("auth/logout/", api_auth.LogoutApi.as_view(), name="api-auth-logout"),
    path("auth/wechat/login/", api_auth.WeChatLoginApi.as_view(), name="api-auth-wechat-login"),
    path("auth/wechat/bind/", api_auth.WeChatBindApi.as_view(), name="api-auth-wechat-bind"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("me/current-store/", api.CurrentStoreApi.as_view(), name="api-me-current-store"),
    path("stores/", api.StoreListApi.as_view(), name="api-store-list"),
    path("stores/<int:store_id>/", api.StoreDetailApi.as_view(), name="api-store-detail"),
    path("stores/<int:store_id>/settings/", api.StoreSettingListApi.as_view(), name="api-store-settings"),
    path("stores/<int:store_id>/settings/<slug:group>/<slug:key>/", api.StoreSettingApi.as_view(), name="api-store-setting"),
]
