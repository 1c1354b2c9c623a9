from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontdeskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.frontdesk"
    verbose_name = _("Front desk")
