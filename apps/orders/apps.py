from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.common.metrics import scrape_collector_register


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.orders"
    verbose_name = _("Orders")  # the Django admin's heading

    def ready(self) -> None:
        from apps.orders import reference
        from apps.orders.services.outbox import outbox_state_samples

        reference.connect()
        scrape_collector_register(outbox_state_samples)
