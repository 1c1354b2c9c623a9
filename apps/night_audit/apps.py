from django.apps import AppConfig


class NightAuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.night_audit"
    verbose_name = "night audit"
