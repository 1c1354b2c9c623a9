"""Public schema: platform admin, health check, the OpenAPI schema and its docs."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.common.health import healthz, metrics_view, readyz
from apps.tenancy.public.admin import platform_admin_site

handler404 = "apps.common.exceptions.json_or_html_404"
handler500 = "apps.common.exceptions.json_or_html_500"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # Prometheus' scrape, for a bearer of PMS_METRICS_TOKEN (apps/common/health.py, apps/common/metrics.py)
    path("metrics", metrics_view, name="metrics"),
    # No authentication here: users and tokens live in tenant schemas, not in public.
    path("api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_api", authentication_classes=[]), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", authentication_classes=[]), name="swagger-ui"),
    path("admin/", platform_admin_site.urls),
]
