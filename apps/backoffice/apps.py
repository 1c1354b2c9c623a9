from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The manager's back office: the settings of the tenant and its stores, and their staff,
    in pages (no tables of its own; writes through the owners' services)."""

    name = "apps.backoffice"
    label = "backoffice"
    verbose_name = _("Back office")
