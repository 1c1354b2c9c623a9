from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobileConfig(AppConfig):
    """The owner's mini-program API: endpoints composed from other apps' selectors and
    services. No models of its own."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.mobile"
    verbose_name = _("Owner app API")
