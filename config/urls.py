"""A tenant's URLs (served under /t/<tenant>/ or on the tenant's own domain)."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.common.health import healthz, readyz
from apps.tenancy import views as tenancy_views

handler404 = "apps.common.exceptions.json_or_html_404"
handler500 = "apps.common.exceptions.json_or_html_500"

admin.site.site_header = "PMS"

urlpatterns = [
    path("", include("config.urls_api")),
    path("healthz", healthz),
    path("readyz", readyz),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_api"), name="tenant-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="tenant-schema"), name="tenant-swagger-ui"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("login/", tenancy_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", tenancy_views.home, name="home"),
    path("switch-store/", tenancy_views.store_switch, name="store-switch"),
    path("s/<int:store_id>/", tenancy_views.StoreHomeView.as_view(), name="store-home"),
    path("", include("apps.rooms.urls")),
    path("", include("apps.contacts.urls")),
    path("", include("apps.orders.urls")),
    path("", include("apps.folios.urls")),
    path("", include("apps.members.urls")),
    path("", include("apps.frontdesk.urls")),
    path("", include("apps.night_audit.urls")),
    path("", include("apps.reports.urls")),
    path("", include("apps.ical.urls")),
    path("", include("apps.backoffice.urls")),
]
