from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NightAuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.night_audit"
    verbose_name = _("Night audit")
