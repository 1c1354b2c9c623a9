from django.apps import AppConfig


class NightAuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.night_audit"
    verbose_name = "night audit"

    def ready(self) -> None:
        from apps.common.metrics import scrape_collector_register
        from apps.night_audit.selectors import audit_state_samples

        scrape_collector_register(audit_state_samples)
