from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.common.metrics import scrape_collector_register


class NightAuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.night_audit"
    verbose_name = _("Night audit")

    def ready(self) -> None:
        from apps.night_audit.selectors import audit_state_samples

        # the audit's gauges, read at each scrape of /metrics (docs/operations.md, "Metrics")
        scrape_collector_register(audit_state_samples)
