from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.orders"
    verbose_name = _("Orders")  # the Django admin's heading

    def ready(self) -> None:
        from apps.orders import reference

        reference.connect()
