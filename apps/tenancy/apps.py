from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    """Tenant-schema half of tenancy: stores, staff, roles and settings."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.tenancy"
    verbose_name = _("Stores and staff")

    def ready(self):
        from apps.tenancy import signals, wechat  # noqa: F401 - wechat registers the deploy check on the WeChat client

        signals.connect()
