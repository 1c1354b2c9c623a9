from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.common import strict_input


class TenancyConfig(AppConfig):
    """Tenant-schema half of tenancy: stores, staff, roles and settings."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.tenancy"
    verbose_name = _("Stores and staff")

    def ready(self):
        from apps.tenancy import signals, wechat  # noqa: F401 - wechat registers the deploy check on the WeChat client

        signals.connect()
        # apps.common is no app of its own: its JSON-type rule for request bodies is set here
        strict_input.install()
