from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoliosConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.folios"
    verbose_name = _("Folios")  # the Django admin's heading
