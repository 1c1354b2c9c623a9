from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.rooms"
    verbose_name = _("Rooms")  # the Django admin's heading

    def ready(self) -> None:
        from apps.rooms import reference

        reference.connect()
